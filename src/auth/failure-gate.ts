/**
 * @module Failed WebSocket authentications per client address (issue 9 finding 3: 5,695 failures from one address in
 * 5 s each cost a verify, a log line and an audit entry). At AUTH_FAILURE_LIMIT failures within a minute the address
 * is refused new upgrades for AUTH_FAILURE_BLOCK (429 auth_blocked). Per instance, in memory, bounded.
 */
import ipaddr from 'ipaddr.js'
import { CANONICAL_V4 } from '../lib/client-ip.js'

const WINDOW_MS = 60_000
/** Addresses tracked at once; past this the oldest entry goes (an attacker rotating addresses cannot grow the map). */
const MAX_ADDRESSES = 100_000

interface Entry {
  windowStart: number
  count: number
  blockedUntil: number
}

/** The key an address is counted under: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64). */
export function addressKey(ip: string): string {
  // Every upgrade asks (admission); the address is usually already canonical IPv4 (clientIp): skip ipaddr.js.
  if (CANONICAL_V4.test(ip)) return ip
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip)
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16))
  return `${parts.join(':')}::/64`
}

export class FailureGate {
  private readonly entries = new Map<string, Entry>()
  private readonly max: number

  constructor(private readonly o: { limit: number; blockMs: number; maxAddresses?: number }) {
    this.max = o.maxAddresses ?? MAX_ADDRESSES
  }

  /** Counts a failure; true when it blocks the address. */
  record(ip: string | null, now: number): boolean {
    if (!ip) return false
    const key = addressKey(ip)
    let e = this.entries.get(key)
    if (!e || now - e.windowStart >= WINDOW_MS) {
      if (e) this.entries.delete(key)
      e = { windowStart: now, count: 0, blockedUntil: e?.blockedUntil ?? 0 }
      this.entries.set(key, e)
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string)
    }
    e.count++
    if (e.count !== this.o.limit) return false
    e.blockedUntil = now + this.o.blockMs
    return true
  }

  /** Seconds until the address may connect again, or null when it is not blocked. */
  blockedFor(ip: string | null, now: number): number | null {
    if (!ip) return null
    const e = this.entries.get(addressKey(ip))
    return e && e.blockedUntil > now ? Math.ceil((e.blockedUntil - now) / 1000) : null
  }

  /** Drops entries whose window and block are over (the cleanup pass). */
  prune(now: number) {
    for (const [key, e] of this.entries) if (now - e.windowStart >= WINDOW_MS && e.blockedUntil <= now) this.entries.delete(key)
  }

  get size() {
    return this.entries.size
  }
}
