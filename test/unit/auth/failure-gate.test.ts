/** @module Issue 9 finding 3: failed authentications per client address, and the block that follows too many. */
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { addressKey, FailureGate } from '../../../src/auth/failure-gate.js'

const T0 = 1_800_000_000_000

describe('FailureGate', () => {
  it('blocks an address at the limit within a minute, for the block time, and only that address', () => {
    const gate = new FailureGate({ limit: 3, blockMs: 60_000 })
    expect([gate.record('203.0.113.9', T0), gate.record('203.0.113.9', T0 + 1), gate.blockedFor('203.0.113.9', T0 + 1)]).toEqual([false, false, null])
    expect(gate.record('203.0.113.9', T0 + 2)).toBe(true)
    expect(gate.blockedFor('203.0.113.9', T0 + 2)).toBe(60)
    expect(gate.blockedFor('203.0.113.9', T0 + 30_002)).toBe(30)
    expect(gate.blockedFor('198.51.100.1', T0 + 2)).toBeNull()
    expect(gate.blockedFor('203.0.113.9', T0 + 60_002)).toBeNull()
  })

  it('forgets failures older than a minute', () => {
    const gate = new FailureGate({ limit: 3, blockMs: 60_000 })
    gate.record('203.0.113.9', T0)
    gate.record('203.0.113.9', T0 + 1)
    expect(gate.record('203.0.113.9', T0 + 60_001)).toBe(false)
    expect(gate.blockedFor('203.0.113.9', T0 + 60_001)).toBeNull()
  })

  it('counts an IPv6 /64 as one address (one host holds a whole /64)', () => {
    const gate = new FailureGate({ limit: 2, blockMs: 60_000 })
    gate.record('2001:db8:1:2::1', T0)
    gate.record('2001:db8:1:2:ffff::9', T0)
    expect(gate.blockedFor('2001:db8:1:2::77', T0)).toBe(60)
    expect(gate.blockedFor('2001:db8:1:3::1', T0)).toBeNull()
    expect(addressKey('2001:DB8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9')
  })

  it('stays bounded: past the address cap the oldest entries go; prune drops what has expired', () => {
    const gate = new FailureGate({ limit: 5, blockMs: 60_000, maxAddresses: 100 })
    for (let i = 0; i < 250; i++) gate.record(`10.0.${i >> 8}.${i & 255}`, T0)
    expect(gate.size).toBe(100)
    gate.prune(T0 + 120_000)
    expect(gate.size).toBe(0)
  })

  it('ignores unknown addresses (null)', () => {
    const gate = new FailureGate({ limit: 1, blockMs: 60_000 })
    expect(gate.record(null, T0)).toBe(false)
    expect(gate.blockedFor(null, T0)).toBeNull()
  })

  it('keys every address as ipaddr.js reads it, the canonical IPv4 shortcut included', () => {
    const reference = (ip: string) => {
      if (!ipaddr.isValid(ip)) return ip
      const a = ipaddr.process(ip)
      return a.kind() === 'ipv4' ? a.toString() : `${(a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`
    }
    const ips = fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`), fc.string({ maxLength: 16 }))
    fc.assert(fc.property(ips, (ip) => addressKey(ip) === reference(ip)), { numRuns: 3000 })
  })
})
