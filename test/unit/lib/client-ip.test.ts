/** @module clientIp: X-Forwarded-For is trusted only for the configured number of proxy hops. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { clientIp } from '../../../src/lib/client-ip.js'

const TCP_PEER = '10.0.0.9'

/** Asks a tiny app what clientIp sees for these headers with `hops` trusted proxies. */
async function ipFor(hops: number, headers: Record<string, string> = {}, remote: string | null = TCP_PEER): Promise<string | null> {
  const app = new Hono().get('/', (c) => c.json({ ip: clientIp(c, hops, () => remote) }))
  const res = await app.request('/', { headers })
  return ((await res.json()) as { ip: string | null }).ip
}

describe('clientIp', () => {
  it('uses the TCP peer and ignores X-Forwarded-For with TRUST_PROXY=0', async () => {
    expect(await ipFor(0, { 'x-forwarded-for': '203.0.113.7' })).toBe(TCP_PEER)
  })

  it('takes the last address with one trusted hop', async () => {
    expect(await ipFor(1, { 'x-forwarded-for': '1.1.1.1, 203.0.113.7' })).toBe('203.0.113.7')
  })

  it('takes the second address from the right with two trusted hops, ignoring what the client prepended', async () => {
    expect(await ipFor(2, { 'x-forwarded-for': 'spoofed, 198.51.100.4, 203.0.113.7' })).toBe('198.51.100.4')
  })

  it('tolerates spaces and empty entries', async () => {
    expect(await ipFor(1, { 'x-forwarded-for': ' 198.51.100.4 ,, 203.0.113.7 , ' })).toBe('203.0.113.7')
  })

  it('falls back to the TCP peer when the header is missing or shorter than the hop count', async () => {
    expect(await ipFor(1)).toBe(TCP_PEER)
    expect(await ipFor(3, { 'x-forwarded-for': '203.0.113.7' })).toBe(TCP_PEER)
  })

  it('falls back to the TCP peer when the chosen entry is absurdly long', async () => {
    expect(await ipFor(1, { 'x-forwarded-for': 'x'.repeat(65) })).toBe(TCP_PEER)
  })

  it('returns null when nothing is known', async () => {
    expect(await ipFor(0, {}, null)).toBeNull()
  })
})
