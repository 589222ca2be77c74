/**
 * @module /yjs on the Node entry in this process, for what the scenario suite cannot see as a client of every target:
 * Prometheus series, the audit trail, the SIGNALING_PORT listener, a drain, and no token in any log line whatever
 * happens to the request (accepted, refused, expired, broken frames, closed by the server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { forgeToken, until } from './support/scenario.js'

const ADMIN = 'admin-token-0123456789abcdefghij'
const ROOM = 'y-node'

describe('/yjs on Node, in process (LOG_LEVEL=debug)', () => {
  let server: TestServer
  const used: string[] = []
  const url = (token: string, port = server.port) => {
    used.push(token)
    return `ws://127.0.0.1:${port}/yjs?token=${token}`
  }
  const admin = { headers: { authorization: `Bearer ${ADMIN}` } }
  const refusedStatus = (u: string, headers: Record<string, string> = {}) =>
    TestClient.open(u, { headers }).then(
      (c) => c.close().then(() => 0),
      (err: { status?: number }) => err.status ?? -1,
    )

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_TOKEN: ADMIN, SIGNALING_PORT: String(await freePort()), CORS_ORIGINS: 'https://app.example', MAX_MESSAGE_BYTES: '1024' })
  })
  afterAll(() => server?.close())

  it('exposes the endpoint in Prometheus apart from /ws, and writes its audit entries under yjs/<room>', async () => {
    const a = await TestClient.open(url(await server.token('alice', ROOM)))
    a.send({ type: 'subscribe', topics: [ROOM, 'y-other'] })
    a.send({ type: 'publish', topic: ROOM, data: { type: 'announce' } })
    a.send({ type: 'publish', topic: 'y-other', data: { type: 'announce' } })
    await a.next('publish')
    expect(await refusedStatus(url('garbage'))).toBe(401)
    const text = await (await fetch(`${server.http}/metrics`, admin)).text()
    expect(text).toMatch(/^octp2p_yjs_connections 1$/m)
    expect(text).toMatch(/^octp2p_connections 1$/m)
    expect(text).toMatch(/^octp2p_yjs_local_topics 1$/m)
    expect(text).toMatch(/^octp2p_yjs_events_total\{key="join"\} 1$/m)
    expect(text).toMatch(/^octp2p_yjs_events_total\{key="publish"\} 1$/m)
    expect(text).toMatch(/^octp2p_yjs_events_total\{key="ignored_topic"\} 1$/m)
    expect(text).toMatch(/^octp2p_yjs_dropped_publishes_total\{key="other_topic"\} 1$/m)
    expect(text).toMatch(/^octp2p_yjs_refused_upgrades_total\{key="token_invalid"\} 1$/m)
    expect(text).not.toMatch(/^octp2p_room_events_total\{key="join"\} [1-9]/m)
    await a.close()
    await until(async () => (await (await fetch(`${server.http}/api/stats`, admin)).json()).yjs.leaves === 1, 'the leave was counted')
    const { events } = (await (await fetch(`${server.http}/api/audit?limit=10`, admin)).json()) as { events: { event: string; roomId: string | null; reason: string }[] }
    const mine = events.filter((e) => e.reason.startsWith('/yjs')).map((e) => [e.event, e.roomId, e.reason])
    expect(mine.reverse()).toEqual([
      ['auth_success', `yjs/${ROOM}`, '/yjs'],
      ['join', `yjs/${ROOM}`, '/yjs'],
      ['auth_failure', null, '/yjs token_invalid'],
      ['leave', `yjs/${ROOM}`, '/yjs disconnected'],
    ])
  })

  it('serves /yjs on the SIGNALING_PORT listener too', async () => {
    expect(server.signalingPort).not.toBeNull()
    const c = await TestClient.open(url(await server.token('bob', ROOM), server.signalingPort!))
    c.send({ type: 'subscribe', topics: [ROOM] })
    c.send({ type: 'publish', topic: ROOM, data: 'hi' })
    expect(await c.next('publish')).toMatchObject({ topic: ROOM, data: 'hi', clients: 1 })
    await c.close()
  })

  it('never writes a token from a URL to a log line, whatever happens to the request', async () => {
    const now = Math.floor(Date.now() / 1000)
    expect(await refusedStatus(url(await forgeToken({ room: ROOM, iat: now - 7200, exp: now - 3600 })))).toBe(401)
    expect(await refusedStatus(url(await forgeToken({ room: ROOM, secret: 'a-different-secret-0123456789-abcdefghijk' })))).toBe(401)
    expect(await refusedStatus(url(await server.token('carol', ROOM)), { origin: 'https://evil.example' })).toBe(403)
    // The same token on other paths: /ws, a 404, the HTTP API.
    const stray = await server.token('dave', ROOM)
    used.push(stray)
    await fetch(`${server.http}/api/nope?token=${stray}`)
    await fetch(`${server.http}/api/stats?token=${stray}`)
    await refusedStatus(`ws://127.0.0.1:${server.port}/ws?token=${stray}`)
    // A socket that sends garbage, a frame too big, and one the server drains.
    const broken = await TestClient.open(url(await server.token('erin', ROOM)))
    broken.send('{')
    broken.send(JSON.stringify({ type: 'publish', topic: ROOM, data: 'x'.repeat(2000) }))
    expect((await broken.waitClose()).code).toBe(1009)
    const drained = await TestClient.open(url(await server.token('frank', ROOM)))
    drained.send({ type: 'subscribe', topics: [ROOM] })
    await drained.sync()
    await server.close()
    expect((await drained.waitClose()).code).toBe(1001)
    const logs = server.logs.join('\n')
    expect(logs).toMatch(/"level":"debug"/)
    expect(used.length).toBeGreaterThanOrEqual(8)
    for (const token of used) {
      expect(logs).not.toContain(token)
      expect(logs).not.toContain(token.split('.')[2] ?? token)
    }
  })
})
