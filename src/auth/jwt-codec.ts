/**
 * @module The JWT layer under the token service: signs a claims object as a compact HS256 JWT, and checks a
 * token's signature, header and registered claims. Two implementations give the same answers: jose on
 * WebCrypto (here; every runtime) and a synchronous one over an injected HMAC (`hs256.ts`; Node).
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'

/** The registered-claim rules every verify applies. */
export interface ClaimRules {
  issuer: string
  audience: string
  /** Claims that must be present (own properties), whatever their value. */
  required: readonly string[]
  /** Tolerated clock skew, seconds. */
  toleranceS: number
}

export type CheckedToken =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; code: 'token_invalid' | 'token_expired'; cause?: unknown }

export interface JwtCodec {
  /** A compact JWT with header `{"alg":"HS256","typ":"JWT"}` and `claims` serialized in their key order. */
  sign(claims: Record<string, unknown>): Promise<string>
  /** Signature, header (HS256 only, no unencoded payload), `required`, iss, aud, nbf and exp at `nowMs`. */
  verify(token: string, nowMs: number): Promise<CheckedToken>
}

export const JWT_HEADER = { alg: 'HS256', typ: 'JWT' } as const

/** jose's jwtVerify on a WebCrypto key imported once (jose would import the raw bytes on every call). */
export function createJoseCodec(secret: string, rules: ClaimRules): JwtCodec {
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  return {
    async sign(claims) {
      return new SignJWT(claims).setProtectedHeader(JWT_HEADER).sign(await key)
    },
    async verify(token, nowMs) {
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: ['HS256'],
          issuer: rules.issuer,
          audience: rules.audience,
          requiredClaims: [...rules.required],
          clockTolerance: rules.toleranceS,
          currentDate: new Date(nowMs),
        })
        return { ok: true, payload }
      } catch (err) {
        return { ok: false, code: err instanceof joseErrors.JWTExpired ? 'token_expired' : 'token_invalid', cause: err }
      }
    },
  }
}
