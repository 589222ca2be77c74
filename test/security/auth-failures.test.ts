/**
 * @module Issue 9 finding 3 over real sockets: an address that keeps failing authentication is refused for a while
 * (429 auth_blocked with Retry-After) while others are not, and its failures neither wipe the audit trail nor flood
 * the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpGet, rawRequest } from '../helpers/raw-http.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })

async function failAuth(server: TestServer, ip: string) {
  const client = await TestClient.open(server.ws, from(ip))
  client.send({ type: 'auth', data: { token: 'not.a.token' } })
  return (await client.waitClose()).code
}

async function refusal(server: TestServer, ip: string) {
  try {
    await (await TestClient.open(server.ws, from(ip))).close()
    return null
  } catch (err) {
    const e = err as { status: number; body: string }
    return { status: e.status, body: JSON.parse(e.body) as unknown }
  }
}

describe('AUTH_FAILURE_LIMIT=5 (addresses from a trusted proxy)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1', AUTH_FAILURE_LIMIT: '5' })
  })
  afterAll(() => server.close())

  it('refuses the failing address with 429 auth_blocked and a Retry-After; another address joins as usual', async () => {
    for (let i = 0; i < 5; i++) expect(await failAuth(server, '203.0.113.66')).toBe(4001)
    expect(await refusal(server, '203.0.113.66')).toEqual({ status: 429, body: { code: 'auth_blocked', error: expect.any(String) } })
    const upgrade = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'X-Forwarded-For: 203.0.113.66']
    const { response } = await rawRequest(server.port, httpGet(upgrade))
    expect(Number(/retry-after: (\d+)/i.exec(response)?.[1])).toBeGreaterThan(50)
    const { reply } = await TestClient.join(server.ws, await server.token('alice', 'r'), {}, from('198.51.100.2'))
    expect(reply.data?.status).toBe('authenticated')
    const events = (await server.api('/api/audit?limit=20')).body.events as { event: string; remoteAddress: string }[]
    expect(events.filter((e) => e.event === 'auth_blocked').map((e) => e.remoteAddress)).toEqual(['203.0.113.66'])
  })
})

describe('a failure flood against a small audit trail (AUDIT_LOG_SIZE=50)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ AUTH_FAILURE_LIMIT: '100000', AUDIT_LOG_SIZE: '50', MAX_PENDING_CONNECTIONS_PER_IP: '1000' })
  })
  afterAll(() => server.close())

  it('keeps the events before it and writes one log line, not 200', async () => {
    const { client } = await TestClient.join(server.ws, await server.token('alice', 'kept'))
    await client.close()
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 10 }, () => failAuth(server, '127.0.0.1')))
    const events = (await server.api('/api/audit?limit=50')).body.events as { event: string; userId: string | null }[]
    expect(events.filter((e) => e.event === 'join' && e.userId === 'alice')).toHaveLength(1)
    expect(events.filter((e) => e.event === 'auth_failure')).toHaveLength(1)
    expect(server.logs.filter((l) => l.includes('"audit auth_failure"'))).toHaveLength(1)
  })
})
