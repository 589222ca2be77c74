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
})
