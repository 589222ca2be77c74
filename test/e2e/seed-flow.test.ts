/** @module The seed README's "Step 2" WebSocket example, on every place a client may connect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

/** The seed's client, verbatim in spirit: open, send auth on 'open', look for data.status. */
function seedClient(url: string, userId: string, roomId: string, token: string): Promise<{ client: TestClient; message: Frame }> {
  return TestClient.open(url).then(async (client) => {
    client.send({ type: 'auth', userId, roomId, data: { token }, timestamp: Date.now() })
    const message = await client.next()
    return { client, message }
  })
}

describe('seed README step 2', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ SIGNALING_PORT: String(await freePort()) })
  })
  afterAll(async () => {
    await server.close()
  })

  it('answers the seed auth frame on /ws with status authenticated and the peer list', async () => {
    const { client: alice, message } = await seedClient(server.ws, 'alice', 'doc-123', await server.token('alice', 'doc-123', 'Alice'))
    expect(message.type === 'auth' && message.data?.status === 'authenticated').toBe(true)
    expect(message).toMatchObject({ userId: 'alice', roomId: 'doc-123', data: { peers: [] } })
    expect(typeof message.timestamp).toBe('number')

    const { client: bob, message: bobMessage } = await seedClient(server.ws, 'bob', 'doc-123', await server.token('bob', 'doc-123'))
    expect(bobMessage.data?.status).toBe('authenticated')
    expect(bobMessage.data?.peers).toEqual([{ userId: 'alice', userName: 'Alice', joinedAt: expect.any(Number) }])
    const joined = await alice.next('peer-joined')
    expect(joined).toMatchObject({ type: 'peer-joined', userId: 'bob', roomId: 'doc-123', data: { userId: 'bob', replaced: false } })
    await bob.close()
    await alice.close()
  })

  it('accepts the same flow on / of the main port', async () => {
    const url = `ws://127.0.0.1:${server.port}/`
    const { client, message } = await seedClient(url, 'carol', 'doc-root', await server.token('carol', 'doc-root'))
    expect(message).toMatchObject({ type: 'auth', userId: 'carol', roomId: 'doc-root', data: { status: 'authenticated', peers: [] } })
    await client.close()
  })

  it('accepts the same flow on the SIGNALING_PORT listener at any path', async () => {
    expect(server.signalingPort).toEqual(expect.any(Number))
    expect(server.signalingPort).not.toBe(server.port)
    for (const path of ['', '/', '/ws', '/some/deep/path?x=1']) {
      const url = `ws://127.0.0.1:${server.signalingPort}${path}`
      const { client, message } = await seedClient(url, 'dave', 'doc-sig', await server.token('dave', 'doc-sig'))
      expect(message, path).toMatchObject({ type: 'auth', data: { status: 'authenticated', peers: [] } })
      await client.close()
    }
  })

  it('puts peers of both listeners in one room', async () => {
    const { client: erin } = await seedClient(server.ws, 'erin', 'doc-both', await server.token('erin', 'doc-both'))
    const signalingUrl = `ws://127.0.0.1:${server.signalingPort}`
    const { client: frank, message } = await seedClient(signalingUrl, 'frank', 'doc-both', await server.token('frank', 'doc-both'))
    expect(message.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['erin'])
    expect((await erin.next('peer-joined')).userId).toBe('frank')
    frank.send({ type: 'sdp-offer', targetUserId: 'erin', data: { type: 'offer', sdp: 'v=0\r\n' } })
    expect(await erin.next('sdp-offer')).toMatchObject({ from: 'frank', userId: 'frank', targetUserId: 'erin' })
    await frank.close()
    await erin.close()
  })

  it('serves only WebSocket upgrades on the SIGNALING_PORT listener', async () => {
    const res = await fetch(`http://127.0.0.1:${server.signalingPort}/api/health`)
    expect(res.status).toBe(426)
    expect(await res.json()).toMatchObject({ code: 'upgrade_required' })
  })
})
