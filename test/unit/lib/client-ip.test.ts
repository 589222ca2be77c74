/**
 * @module clientIp: X-Forwarded-For is trusted only for the configured number of proxy hops, only from trusted proxies
 * when TRUSTED_PROXIES is set, and only when the entry is an IP address (issue 9 finding 10).
 */
import fc from 'fast-check'
import { Hono } from 'hono'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { clientIp, normalizeIp, proxyTrust } from '../../../src/lib/client-ip.js'

const TCP_PEER = '10.0.0.9'

/** Asks a tiny app what clientIp sees for these headers with `hops` trusted proxies. */
async function ipFor(hops: number, headers: Record<string, string> = {}, remote: string | null = TCP_PEER, proxies: string[] | null = null): Promise<string | null> {
  const trust = proxyTrust(hops, proxies)
  const app = new Hono().get('/', (c) => c.json({ ip: clientIp(c, trust, () => remote) }))
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

  it.each(['x'.repeat(65), '<img src=x onerror=alert(1)>', 'unknown', '999.1.1.1', '1.2.3', 'fe80::1%eth0', '::ffff:1.2.3.4:80'])(
    'falls back to the TCP peer when the chosen entry %j is not an IP address',
    async (entry) => {
      expect(await ipFor(1, { 'x-forwarded-for': `203.0.113.7, ${entry}` })).toBe(TCP_PEER)
    },
  )

  it('normalizes addresses: IPv4-mapped IPv6 becomes IPv4, IPv6 is compressed and lower-case', async () => {
    expect(await ipFor(1, { 'x-forwarded-for': '::FFFF:203.0.113.7' })).toBe('203.0.113.7')
    expect(await ipFor(1, { 'x-forwarded-for': '2001:DB8:0:0:0:0:0:1' })).toBe('2001:db8::1')
    expect(await ipFor(0, {}, '::ffff:127.0.0.1')).toBe('127.0.0.1')
  })

  it('with TRUSTED_PROXIES, believes the header only from a listed proxy', async () => {
    const proxies = ['10.0.0.0/8', '192.0.2.7']
    expect(await ipFor(1, { 'x-forwarded-for': '203.0.113.7' }, '10.1.2.3', proxies)).toBe('203.0.113.7')
    expect(await ipFor(1, { 'x-forwarded-for': '203.0.113.7' }, '192.0.2.7', proxies)).toBe('203.0.113.7')
    expect(await ipFor(1, { 'x-forwarded-for': '203.0.113.7' }, '198.51.100.1', proxies)).toBe('198.51.100.1')
    expect(await ipFor(1, { 'x-forwarded-for': '203.0.113.7' }, '::ffff:10.9.9.9', proxies)).toBe('203.0.113.7')
  })

  it('returns null when nothing is known', async () => {
    expect(await ipFor(0, {}, null)).toBeNull()
  })
})

describe('normalizeIp', () => {
  /** What ipaddr.js itself makes of a text (the reference the fast path must agree with). */
  const reference = (text: string) => {
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString()
    if (!text.includes(':') || !ipaddr.IPv6.isValid(text) || text.includes('%')) return null
    return ipaddr.process(text).toString()
  }

  it('agrees with ipaddr.js on IPv4, IPv4-mapped IPv6, legacy IPv4 forms and IPv6', () => {
    const texts = fc.oneof(
      fc.ipV4(),
      fc.ipV4().map((a) => `::ffff:${a}`),
      fc.ipV4().map((a) => `::FFFF:${a}`),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.string({ maxLength: 20 }),
    )
    fc.assert(fc.property(texts, (text) => normalizeIp(text) === reference(text)), { numRuns: 5000 })
  })

  it.each(['01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3.4 ', '::ffff:01.2.3.4'])('does not pass %j through as canonical', (text) => {
    expect(normalizeIp(text)).toBe(reference(text))
  })
})
