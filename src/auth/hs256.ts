/**
 * @module Compact HS256 JWTs over an injected synchronous HMAC, for runtimes where jose's WebCrypto call is the
 * cost (Node: `crypto.subtle` hops to the thread pool; 195 µs of main-thread CPU per verify in the handshake
 * profile, see docs/performance.md finding 5). Measured on Node 20 (test/bench/micro/token-costs.ts, 4 runs on a
 * shared 2-core machine): verify 48-122 µs CPU through jose vs 8-15 µs here, mint 45-98 vs 7-14 µs; end to end,
 * server CPU per auth handshake 0.78-0.86x and per churn cycle 0.75-0.81x of the jose build
 * (test/bench/results/handshake-ab.md). The acceptance rules copy jose 6's `jwtVerify` with our options,
 * check for check, so both codecs give the same answer for every input; jose's own base64url decoder is used so
 * that its leniencies (padding, whitespace, unused trailing bits) match too. test/unit/auth/hs256-equivalence.test.ts
 * holds the two side by side.
 */
import { base64url } from 'jose'
import { jwtHeader, type CheckedToken, type ClaimRules, type JwtCodec } from './jwt-codec.js'
import { headerProblem, KEY_ID_INPUT, keyIdOf, keysToTry } from './key-ring.js'

/** HMAC-SHA256 keyed with the token secret (as UTF-8 bytes), computed synchronously. */
export interface Hs256Mac {
  /** The MAC of `input` (ASCII). */
  sign(input: string): Uint8Array
  /** Whether `signature` equals the MAC of `input` (ASCII), compared in constant time; false on another length. */
  verify(input: string, signature: Uint8Array): boolean
  /**
   * base64url without padding of UTF-8 text or bytes, when the runtime has a native one: what signing encodes (jose's
   * `base64url.encode` otherwise; encoding has one right answer, so only decoding keeps jose's for its leniencies).
   */
  base64url?(input: string | Uint8Array): string
}

/** Builds an `Hs256Mac` for a secret; provided by runtimes that have a synchronous HMAC (node:crypto). */
export type Hs256MacFactory = (secret: string) => Hs256Mac

const utf8 = new TextDecoder('utf-8', { fatal: true })

type Json = Record<string, unknown>
type Failure = Extract<CheckedToken, { ok: false }>
const invalid = (cause: string): Failure => ({ ok: false, code: 'token_invalid', cause })

/** JSON.parse of base64url UTF-8 text, kept only when it is an object (jose's `isObject`); null otherwise. */
function decodeObject(bytes: Uint8Array): Json | null {
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null
  } catch {
    return null
  }
}

/**
 * jose's header rules for a compact JWS verified with `algorithms: ['HS256']` and no `crit` option: the only
 * extension it understands is `b64`, and a JWT must not use `b64: false`; any other parameter is ignored.
 */
function headerAccepted(h: Json): boolean {
  const crit = h.crit
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || !crit.every((p) => p === 'b64')) return false
    if (h.b64 !== true) return false
  }
  return h.alg === 'HS256'
}

/** jose's `validateClaimsSet` with our options: presence, iss, aud, then iat/nbf/exp with the tolerance. */
function claimsCheck(c: Json, rules: ClaimRules, nowMs: number): Failure | null {
  for (const name of rules.required) if (!Object.hasOwn(c, name)) return invalid(`missing ${name}`)
  if (!Object.hasOwn(c, 'iss') || c.iss !== rules.issuer) return invalid('iss')
  const aud = c.aud
  if (!Object.hasOwn(c, 'aud') || !(typeof aud === 'string' ? aud === rules.audience : Array.isArray(aud) && aud.includes(rules.audience))) return invalid('aud')
  const now = Math.floor(new Date(nowMs).getTime() / 1000)
  if (!Number.isFinite(now)) return invalid('clock')
  if (c.iat !== undefined && typeof c.iat !== 'number') return invalid('iat')
  const nbf = c.nbf
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + rules.toleranceS)) return invalid('nbf')
  const exp = c.exp
  if (exp !== undefined && typeof exp !== 'number') return invalid('exp')
  if (typeof exp === 'number' && exp <= now - rules.toleranceS) return { ok: false, code: 'token_expired', cause: 'exp' }
  return null
}

/** One of our keys: its MAC, its id, and the encoded header we mint with it (parsed once, not per verify). */
interface RingKey {
  mac: Hs256Mac
  kid: string
  encodedHeader: string
  header: Json
}

function ringKey(mac: Hs256Mac, rules: ClaimRules): RingKey {
  const kid = keyIdOf(mac.sign(KEY_ID_INPUT))
  const header = jwtHeader(rules.typ, kid)
  return { mac, kid, encodedHeader: (mac.base64url ?? base64url.encode)(JSON.stringify(header)), header }
}

function verifySync(token: string, ring: RingKey[], rules: ClaimRules, nowMs: number): CheckedToken {
  const parts = token.split('.')
  if (parts.length !== 3) return invalid('not three segments')
  const [h, p, s] = parts as [string, string, string]
  let header: Json | null, payloadBytes: Uint8Array, signature: Uint8Array
  try {
    // The headers we mint need no decoding.
    header = ring.find((k) => k.encodedHeader === h)?.header ?? decodeObject(base64url.decode(h))
    if (!header || !headerAccepted(header)) return invalid('header')
    payloadBytes = base64url.decode(p)
    signature = base64url.decode(s)
  } catch {
    return invalid('base64url')
  }
  // Both segments decoded, so both are ASCII: the MAC input has the same bytes jose signs.
  const input = `${h}.${p}`
  if (!keysToTry(header, ring.map((k) => k.kid)).some((i) => ring[i]!.mac.verify(input, signature))) return invalid('signature')
  const payload = decodeObject(payloadBytes)
  if (!payload) return invalid('payload')
  const failed = claimsCheck(payload, rules, nowMs)
  if (failed) return failed
  const problem = headerProblem(header, rules.typ)
  return problem ? invalid(problem) : { ok: true, payload }
}

/** The synchronous codec; tokens it signs are byte-identical to jose's for the same claims. */
export function createHs256Codec(macs: readonly Hs256Mac[], rules: ClaimRules): JwtCodec {
  const ring = macs.map((mac) => ringKey(mac, rules))
  const current = ring[0]!
  const encode = current.mac.base64url ?? base64url.encode
  return {
    async sign(claims) {
      const input = `${current.encodedHeader}.${encode(JSON.stringify(claims))}`
      return `${input}.${encode(current.mac.sign(input))}`
    },
    async verify(token, nowMs) {
      try {
        return verifySync(token, ring, rules, nowMs)
      } catch (err) {
        return { ok: false, code: 'token_invalid', cause: err }
      }
    },
  }
}
