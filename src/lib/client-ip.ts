/**
 * @module Client address, honouring X-Forwarded-For only for the configured number of trusted proxy hops, only from
 * the configured proxies (TRUSTED_PROXIES), and only when the entry is an IP address (issue 9 finding 10: any string
 * used to pass, so rotating values escaped the per-address caps and markup reached the audit trail).
 */
import type { Context } from 'hono'
import ipaddr from 'ipaddr.js'

export interface ProxyTrust {
  hops: number
  /** Parsed TRUSTED_PROXIES; null believes any peer (TRUST_PROXY alone). */
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] | null
}

/** One TRUSTED_PROXIES entry as a range: a plain address is a range of one. */
function range(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry)
  const address = ipaddr.process(entry)
  return [address, address.kind() === 'ipv4' ? 32 : 128]
}

/** Parses TRUST_PROXY and TRUSTED_PROXIES once (config.ts has validated the entries). */
export function proxyTrust(hops: number, proxies: string[] | null): ProxyTrust {
  return { hops, ranges: proxies?.map(range) ?? null }
}

/** A dotted quad already in canonical form (no leading zeros, each part 0-255), as Node reports TCP peers. */
export const CANONICAL_V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/** The canonical text of an IP address (IPv4-mapped IPv6 as IPv4), or null when `text` is not one. */
export function normalizeIp(text: string): string | null {
  // Every handshake asks for its TCP peer: the common forms skip ipaddr's parse and print (about 15 µs each).
  if (CANONICAL_V4.test(text)) return text
  if (text.startsWith('::ffff:') && CANONICAL_V4.test(text.slice(7))) return text.slice(7)
  // ipaddr.isValid accepts a few legacy IPv4 forms ("1.2.3" and octal/hex parts): only the four-part form passes.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString()
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text) || text.includes('%')) return null
  return ipaddr.process(text).toString()
}

function trusted(peer: string | null, trust: ProxyTrust): boolean {
  if (!trust.ranges) return true
  if (!peer) return false
  if (!ipaddr.isValid(peer)) return false
  const address = ipaddr.process(peer)
  return trust.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits))
}

/**
 * With `hops` = 0 the TCP peer address is used and X-Forwarded-For is ignored (it is spoofable). With `hops` = N the
 * Nth address from the right of X-Forwarded-For is the client (each trusted proxy appends the address it saw).
 */
export function clientIp(c: Context, trust: ProxyTrust, remote: (c: Context) => string | null): string | null {
  const raw = remote(c)
  const peer = raw === null ? null : (normalizeIp(raw) ?? raw)
  if (trust.hops === 0 || !trusted(peer, trust)) return peer
  const xff = c.req.header('x-forwarded-for')
  if (!xff) return peer
  const list = xff.split(',').map((s) => s.trim()).filter(Boolean)
  const pick = list[list.length - trust.hops]
  return (pick !== undefined && pick.length <= 64 ? normalizeIp(pick) : null) ?? peer
}
