import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('GET /metrics', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_TOKEN: 'admin-token-0123456789abcdefghij' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('refuses scrapes without the admin token', async () => {
    const res = await fetch(`${server.http}/metrics`)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('exposes relayed messages by type, connections and event-loop lag in Prometheus text', async () => {
    const { client: a } = await TestClient.join(server.ws, await server.token('alice', 'm1'))
    const { client: b } = await TestClient.join(server.ws, await server.token('bob', 'm1'))
    a.send({ type: 'ice', to: 'bob', data: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } })
    await b.next('ice')
    const res = await fetch(`${server.http}/metrics`, { headers: { authorization: 'Bearer admin-token-0123456789abcdefghij' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toMatch(/^octp2p_relayed_messages_total\{key="ice"\} 1$/m)
    expect(text).toMatch(/^octp2p_connections 2$/m)
    expect(text).toMatch(/^octp2p_nodejs_eventloop_lag_seconds /m)
    await a.close()
    await b.close()
  })

  it('counts resumed sessions, replacements and away peers', async () => {
    const scrape = async () => (await fetch(`${server.http}/metrics`, { headers: { authorization: 'Bearer admin-token-0123456789abcdefghij' } })).text()
    const { client: watcher } = await TestClient.join(server.ws, await server.token('watcher', 'm2'))
    const { client: carol, reply } = await TestClient.join(server.ws, await server.token('carol', 'm2'))
    await watcher.next('peer-joined')
    carol.ws.terminate()
    for (let i = 0; i < 200 && !/^octp2p_away_peers 1$/m.test(await scrape()); i++) await new Promise((r) => setImmediate(r))
    expect(await scrape()).toMatch(/^octp2p_away_peers 1$/m)
    const again = await TestClient.open(server.ws)
    again.send({ type: 'auth', data: { token: await server.token('carol', 'm2'), resumeToken: reply.data?.resumeToken } })
    expect((await again.next('auth')).data).toMatchObject({ resumed: true })
    await TestClient.join(server.ws, await server.token('carol', 'm2'))
    const text = await scrape()
    expect(text).toMatch(/^octp2p_session_events_total\{key="resumed"\} 1$/m)
    expect(text).toMatch(/^octp2p_session_events_total\{key="replaced"\} 1$/m)
    expect(text).toMatch(/^octp2p_session_events_total\{key="expired"\} 0$/m)
    expect(text).toMatch(/^octp2p_away_peers 0$/m)
    await watcher.close()
  })
})
