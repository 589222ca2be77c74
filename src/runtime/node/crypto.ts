/**
 * @module The synchronous HMAC-SHA256 that room tokens use on Node (`AppDeps.hs256`). jose's WebCrypto call
 * hops to the thread pool on every sign and verify; node:crypto computes the same MAC on the calling thread.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto'
import type { Hs256Mac } from '../../auth/hs256.js'

/**
 * base64url through Buffer: 0.85 µs against jose's 6.65 for a token's claims and MAC (100,000 calls, node 20,
 * test/bench/micro/token-costs.ts), once per auth reply and per mint.
 */
const base64url = (input: string | Uint8Array) => (typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength)).toString('base64url')

/** An `Hs256Mac` keyed with `secret` encoded as UTF-8, as jose's `importKey('raw', TextEncoder...)` keys it. */
export function nodeHs256(secret: string): Hs256Mac {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  const mac = (input: string) => createHmac('sha256', key).update(input, 'utf8').digest()
  return {
    sign: mac,
    verify(input, signature) {
      const expected = mac(input)
      return signature.byteLength === expected.byteLength && timingSafeEqual(expected, signature)
    },
    base64url,
  }
}

/** SHA-256 hex on the calling thread, for the bearer key checks (`AppDeps.bearerHash`). */
export const nodeSha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex')
