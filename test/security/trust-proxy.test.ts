/**
 * @module Issue 9 finding 10 over real sockets: with TRUST_PROXY=1, X-Forwarded-For entries that are not IP addresses
 * count as the TCP peer (so rotating them no longer escapes the per-address cap, and no markup reaches the audit
 * trail), and with TRUSTED_PROXIES only the listed proxies are believed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

async function upgrades(server: TestServer, forwardedFor: string[]): Promise<(number | 'open')[]> {
  const open: TestClient[] = []
  const out: (number | 'open')[] = []
  for (const xff of forwardedFor) {
    try {
      open.push(await TestClient.open(server.ws, { headers: { 'x-forwarded-for': xff } }))
      out.push('open')
    } catch (err) {
      out.push((err as { status: number }).status)
    }
  }
  await Promise.all(open.map((c) => c.close()))
  return out
}

describe('TRUST_PROXY=1 with the server reachable directly', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1', MAX_CONNECTIONS_PER_IP: '2' })
  })
  afterAll(() => server.close())

  it('counts X-Forwarded-For values that are not IP addresses as the TCP peer: the third upgrade gets 429', async () => {
    const junk = ['not-an-ip', '<img src=x onerror=alert(1)>', 'unknown', '999.999.999.999', 'x'.repeat(60)]
    expect(await upgrades(server, junk)).toEqual(['open', 'open', 429, 429, 429])
  })

  it('stores the TCP peer, never the header text, in the audit trail', async () => {
    const client = await TestClient.open(server.ws, { headers: { 'x-forwarded-for': '<img src=x onerror=alert(1)>' } })
    client.send({ type: 'auth', data: { token: 'not.a.token' } })
    await client.waitClose()
    const events = (await server.api('/api/audit?limit=10')).body.events as { event: string; remoteAddress: string }[]
    const failure = events.find((e) => e.event === 'auth_failure')
    expect(failure?.remoteAddress).toBe('127.0.0.1')
    expect(JSON.stringify(events)).not.toContain('<img')
  })
})

describe('TRUST_PROXY=1 with TRUSTED_PROXIES that do not include the caller', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1', TRUSTED_PROXIES: '10.0.0.0/8', MAX_CONNECTIONS_PER_IP: '2' })
  })
  afterAll(() => server.close())

  it('ignores even well-formed rotating addresses from an untrusted peer', async () => {
    expect(await upgrades(server, ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])).toEqual(['open', 'open', 429, 429])
  })
})
