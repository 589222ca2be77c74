/** @module TokenLedger: exact counts and expiry for every jti form, with our UUID jtis stored packed. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { packUuid, TokenLedger } from '../../../src/storage/token-ledger.js'

/** The packing spelled out: the 32 hex digits, two by two, as character codes. */
const packedByHand = (uuid: string) => {
  const hex = uuid.replaceAll('-', '')
  return String.fromCharCode(...Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)))
}

describe('TokenLedger', () => {
  const uuid = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff'

  it('counts every use of a UUID jti, an upper-case one and any other string, each on its own', () => {
    const ledger = new TokenLedger()
    const exp = Date.now() + 60_000
    const ids = [uuid, uuid.toUpperCase(), 'jti-1', 'x'.repeat(128)]
    for (const id of ids) expect(ledger.record(id, exp)).toBe(1)
    for (const id of ids) expect(ledger.record(id, exp)).toBe(2)
    expect(ledger.record(uuid, exp)).toBe(3)
    expect(ledger.size).toBe(4)
  })

  it('keeps a packed UUID apart from a 16-character jti with the same characters', () => {
    const ledger = new TokenLedger()
    const exp = Date.now() + 60_000
    const packed = packedByHand(uuid)
    expect(ledger.record(uuid, exp)).toBe(1)
    expect(ledger.record(packed, exp)).toBe(1)
  })

  it('packs every lower-case UUID to its 128 bits', () => {
    fc.assert(fc.property(fc.uuid(), (id) => packUuid(id) === packedByHand(id)))
    expect(packUuid('00000000-0000-0000-0000-000000000000')).toBe('\0'.repeat(16))
    expect(packUuid('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe('\xff'.repeat(16))
  })

  it('forgets a token exactly at its expiry, and its repeat count with it', () => {
    const ledger = new TokenLedger()
    const exp = Date.now() + 60_000
    ledger.record(uuid, exp)
    ledger.record(uuid, exp)
    ledger.record('other-jti', exp + 1)
    ledger.sweep(exp - 1)
    expect(ledger.size).toBe(2)
    ledger.sweep(exp)
    expect(ledger.size).toBe(1)
    expect(ledger.record(uuid, exp + 60_000)).toBe(1)
    expect(ledger.record('other-jti', exp + 1)).toBe(2)
  })
})
