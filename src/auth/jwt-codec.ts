/**
 * @module The JWT layer under the token services: signs a claims object as a compact HS256 JWT with our `typ` and the
 * current key's `kid`, and checks a token's signature (current or previous key), header and registered claims. Two
 * implementations give the same answers: jose on WebCrypto (here; every runtime) and a synchronous one over an
 * injected HMAC (`hs256.ts`; Node). The header decisions both make live in key-ring.ts.
 */
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import { headerProblem, KEY_ID_INPUT, keyIdOf, keysToTry, type TypRule } from './key-ring.js'

/** The registered-claim rules every verify applies. */
export interface ClaimRules {
  issuer: string
  audience: string
  /** Claims that must be present (own properties), whatever their value. */
  required: readonly string[]
  /** Tolerated clock skew, seconds. */
  toleranceS: number
  /** The header `typ` this kind of token is minted with and accepts. */
  typ: TypRule
}

export type CheckedToken =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; code: 'token_invalid' | 'token_expired'; cause?: unknown }

export interface JwtCodec {
  /** A compact JWT with header `{"alg":"HS256","typ":<rules.typ>,"kid":<current key id>}` and `claims` in their key order. */
  sign(claims: Record<string, unknown>): Promise<string>
  /** Signature (the key `kid` names, else each key), header, `required`, iss, aud, nbf and exp at `nowMs`. */
  verify(token: string, nowMs: number): Promise<CheckedToken>
}

export const jwtHeader = (typ: TypRule, kid: string) => ({ alg: 'HS256', typ: typ.typ, kid }) as const

interface JoseKey {
  key: CryptoKey
  kid: string
}

async function importKey(secret: string): Promise<JoseKey> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  const kid = keyIdOf(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(KEY_ID_INPUT))))
  return { key, kid }
}

const invalid = (cause: unknown): CheckedToken => ({ ok: false, code: 'token_invalid', cause })

/** jose's jwtVerify on WebCrypto keys imported once (jose would import the raw bytes on every call); `secrets[0]` signs. */
export function createJoseCodec(secrets: readonly string[], rules: ClaimRules): JwtCodec {
  const keys = Promise.all(secrets.map(importKey))
  const options = (nowMs: number) => ({
    algorithms: ['HS256'],
    issuer: rules.issuer,
    audience: rules.audience,
    requiredClaims: [...rules.required],
    clockTolerance: rules.toleranceS,
    currentDate: new Date(nowMs),
  })

  async function verifyWith(token: string, key: CryptoKey, nowMs: number): Promise<CheckedToken | 'wrong key'> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, key, options(nowMs))
      const problem = headerProblem(protectedHeader as Record<string, unknown>, rules.typ)
      return problem ? invalid(problem) : { ok: true, payload }
    } catch (err) {
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'wrong key'
      return { ok: false, code: err instanceof joseErrors.JWTExpired ? 'token_expired' : 'token_invalid', cause: err }
    }
  }

  return {
    async sign(claims) {
      const [current] = await keys
      return new SignJWT(claims).setProtectedHeader(jwtHeader(rules.typ, current!.kid)).sign(current!.key)
    },
    async verify(token, nowMs) {
      let header: Record<string, unknown>
      try {
        header = decodeProtectedHeader(token) as Record<string, unknown>
      } catch (err) {
        return invalid(err)
      }
      const ring = await keys
      for (const i of keysToTry(header, ring.map((k) => k.kid))) {
        const checked = await verifyWith(token, ring[i]!.key, nowMs)
        if (checked !== 'wrong key') return checked
      }
      return invalid('signature')
    },
  }
}
