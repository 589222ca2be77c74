/**
 * @module Issue 9 finding 5 over real sockets with the default configuration: a leaked room token no longer takes its
 * user's place; the user resumes after a drop with the same token and its resume token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('a leaked room token (default SINGLE_USE_TOKENS)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({})
  })
  afterAll(() => server.close())

  it('is refused on replay (4001 token_used) while its user stays in the room, untouched', async () => {
    const bob = (await TestClient.join(server.ws, await server.token('bob', 'leak'))).client
    const token = await server.token('alice', 'leak')
    const { client: alice, reply } = await TestClient.join(server.ws, token)
    expect(reply.data?.status).toBe('authenticated')
    await bob.next('peer-joined')
    const mallory = await TestClient.open(server.ws)
    mallory.send({ type: 'auth', data: { token } })
    expect((await mallory.next('error')).data?.code).toBe('token_used')
    expect((await mallory.waitClose()).code).toBe(4001)
    expect(await alice.sync()).toEqual([])
    expect(await bob.sync()).toEqual([])
    expect(alice.closed).toBeNull()

    // A dropped connection comes back with the same token and the resume token: nobody notices.
    ;(alice.ws as unknown as { _socket: { destroy(): void } })._socket.destroy()
    await alice.waitClose()
    const back = await TestClient.open(server.ws)
    back.send({ type: 'auth', data: { token, resumeToken: reply.data?.resumeToken } })
    expect((await back.next('auth')).data).toMatchObject({ status: 'authenticated', resumed: true })
    expect(await bob.sync()).toEqual([])
    await Promise.all([back.close(), bob.close()])
  })
})
