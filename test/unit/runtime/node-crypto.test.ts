/** node:crypto HMAC for room tokens: the same MAC WebCrypto computes for jose, keyed the same way. */
import fc from 'fast-check'
import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { nodeHs256 } from '../../../src/runtime/node/crypto.js'

async function webCryptoMac(secret: string, input: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input)))
}

describe('nodeHs256', () => {
  it('property: equals WebCrypto HMAC-SHA256 for any non-empty secret (UTF-8, lone surrogates, longer than a block) and ASCII input', async () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n))
    const secret = fc.oneof(fc.string({ unit: anyUnit, minLength: 1, maxLength: 100 }), fc.string({ unit: 'binary', minLength: 60, maxLength: 200 }))
    const ascii = fc.string({ unit: 'binary-ascii', maxLength: 400 })
    await fc.assert(
      fc.asyncProperty(secret, ascii, async (s, input) => {
        const expected = await webCryptoMac(s, input)
        const mac = nodeHs256(s)
        expect(new Uint8Array(mac.sign(input))).toEqual(expected)
        expect(mac.verify(input, expected)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses another MAC, a truncated one, a longer one and an empty one', () => {
    const mac = nodeHs256('secret-0123456789-0123456789-0123456789')
    const good = mac.sign('header.payload')
    const flipped = Uint8Array.from(good)
    flipped[31]! ^= 1
    expect(mac.verify('header.payload', good)).toBe(true)
    expect(mac.verify('header.payload', flipped)).toBe(false)
    expect(mac.verify('header.payload', good.subarray(0, 31))).toBe(false)
    expect(mac.verify('header.payload', Uint8Array.from([...good, 0]))).toBe(false)
    expect(mac.verify('header.payload', new Uint8Array())).toBe(false)
    expect(mac.verify('header.payloaD', good)).toBe(false)
  })

  it("property: its base64url equals jose's for any text (lone surrogates too) and any bytes, a view into a larger buffer included", () => {
    const mac = nodeHs256('secret-0123456789-0123456789-0123456789')
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n))
    fc.assert(fc.property(fc.string({ unit: anyUnit, maxLength: 300 }), (text) => mac.base64url!(text) === base64url.encode(text)))
    const view = fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.nat(10), fc.nat(10)).map(([b, head, tail]) => b.subarray(Math.min(head, b.length), Math.max(Math.min(head, b.length), b.length - tail)))
    fc.assert(fc.property(view, (bytes) => mac.base64url!(bytes) === base64url.encode(bytes)))
  })
})
