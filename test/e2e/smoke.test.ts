import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('smoke: two peers exchange an offer', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  it('relays an offer from alice to bob with the sender stamped', async () => {
    const { client: alice, reply } = await TestClient.join(server.ws, await server.token('alice', 'doc-123'), { userId: 'alice', roomId: 'doc-123' })
    expect(reply.data?.status).toBe('authenticated')
    const { client: bob, reply: bobReply } = await TestClient.join(server.ws, await server.token('bob', 'doc-123'))
    expect(bobReply.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['alice'])
    expect((await alice.next('peer-joined')).userId).toBe('bob')
    alice.send({ type: 'sdp-offer', targetUserId: 'bob', from: 'mallory', userId: 'mallory', data: { type: 'offer', sdp: 'v=0' } })
    const offer = await bob.next('sdp-offer')
    expect(offer).toMatchObject({ from: 'alice', userId: 'alice', roomId: 'doc-123', targetUserId: 'bob', data: { sdp: 'v=0' } })
    await bob.close()
    expect((await alice.next('peer-left')).userId).toBe('bob')
    await alice.close()
  })
})
