/** @module The transport around the protocol: odd upgrade requests, plain GETs, and sockets that stop answering pings. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpGet, rawRequest } from '../helpers/raw-http.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { joinAll } from './support/in-process.js'
import { ofType, until } from './support/scenario.js'

/** The RFC 6455 sample key: a valid Sec-WebSocket-Key. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='

describe('upgrade edge cases', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  for (const upgrade of ['h2c', 'foo']) {
    it(`answers Upgrade: ${upgrade} with 400 and closes the socket quickly`, async () => {
      const { response, endedAfterMs } = await rawRequest(
        server.port,
        httpGet(['Connection: Upgrade, HTTP2-Settings', `Upgrade: ${upgrade}`, 'HTTP2-Settings: AAMAAABkAAQAAP__']),
      )
      expect(response).toMatch(/^HTTP\/1\.1 400 /)
      expect(response).toContain('"code":"upgrade_required"')
      expect(endedAfterMs).toBeLessThan(2000)
    })
  }

  it('answers a WebSocket upgrade without Sec-WebSocket-Key with 400 and closes', async () => {
    const { response, endedAfterMs } = await rawRequest(
      server.port,
      httpGet(['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13']),
    )
    expect(response).toMatch(/^HTTP\/1\.1 400 /)
    expect(endedAfterMs).toBeLessThan(2000)
  })

  it('answers an upgrade whose Upgrade header is past the 2,000th with 400 and closes', async () => {
    // Short lines: the request stays under maxHeaderSize, so Node drops what is past maxHeadersCount.
    const filler = Array<string>(2100).fill('a:b')
    const { response, endedAfterMs } = await rawRequest(
      server.port,
      httpGet([...filler, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${KEY}`]),
    )
    expect(response).toMatch(/^HTTP\/1\.1 400 /)
    expect(endedAfterMs).toBeLessThan(2000)
  })

  it('answers Sec-WebSocket-Version: 7 with 400 naming the versions it speaks', async () => {
    const { response } = await rawRequest(
      server.port,
      httpGet(['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 7', `Sec-WebSocket-Key: ${KEY}`]),
    )
    expect(response).toMatch(/^HTTP\/1\.1 400 /)
    expect(response).toMatch(/Sec-WebSocket-Version: 13, 8/i)
  })

  it('closes with 1008 a message split into more fragments than allowed', async () => {
    const { alice, bob } = await joinAll(server, 'fragments', ['alice', 'bob'])
    for (let i = 0; i < 100; i++) alice.ws.send('a', { fin: false })
    expect((await alice.waitClose()).code).toBe(1008)
    expect(await bob.next('peer-left')).toMatchObject({ userId: 'alice' })
    await bob.close()
  })

  it('answers a plain GET /ws with 426 upgrade_required as JSON', async () => {
    const res = await fetch(`${server.http}/ws`)
    expect(res.status).toBe(426)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(await res.json()).toEqual({ code: 'upgrade_required', error: expect.any(String) })
  })

  it('still accepts WebSocket clients after all of the above', async () => {
    const { client, reply } = await TestClient.join(server.ws, await server.token('alice', 'after-odd'))
    expect(reply.data?.status).toBe('authenticated')
    await client.close()
  })
})

/** Short enough to wait out, long enough that the away state is seen before it ends. */
const GRACE = 1500

describe('protocol-level ping', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ WS_PING_INTERVAL: '100', RECONNECT_GRACE: String(GRACE) })
  })
  afterAll(async () => {
    await server.close()
  })

  it('terminates a client that does not answer pings; it is away for the grace, then the room sees one peer-left', async () => {
    const { watcher } = await joinAll(server, 'pings', ['watcher'])
    const { client: mute } = await TestClient.join(server.ws, await server.token('mute', 'pings'), {}, { autoPong: false })
    expect((await watcher.next('peer-joined')).userId).toBe('mute')
    const { code } = await mute.waitClose(3000)
    const closedAt = Date.now()
    expect(code).toBe(1006)
    // Terminated, not closed: the peer stays in the room, away, and nobody is told yet.
    await until(async () => (await server.api('/api/stats')).body.server.awayPeers === 1, 'mute is away')
    expect((await server.api('/api/rooms/pings')).body.peers.map((p: { userId: string }) => p.userId).sort()).toEqual(['mute', 'watcher'])
    expect(await watcher.next('peer-left', GRACE + 3000)).toMatchObject({ userId: 'mute', data: { reason: 'disconnected' } })
    // The client saw its close a little after the server terminated it: the grace ran from before closedAt.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE - 200)
    // A further cleanup pass must not announce it again.
    expect((await server.api('/api/maintenance/cleanup', { method: 'POST' })).status).toBe(200)
    expect(ofType(await watcher.sync(), 'peer-left')).toEqual([])
    // The watcher answered every ping and is still connected.
    expect(watcher.closed).toBeNull()
    await watcher.close()
  })
})
