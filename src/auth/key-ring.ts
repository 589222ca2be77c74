/**
 * @module What both JWT codecs (jose and the synchronous one) decide from a token's header, in one place so that they
 * decide alike (issue 9 finding 12): which of our keys a `kid` selects, which `typ` a kind of token accepts, and which
 * header fields refuse a token outright.
 *
 * Key ids: the first 16 characters of base64url(HMAC-SHA256(secret, "octp2p-kid")). They name a secret without
 * revealing it, so that a current and a previous secret can both verify during a rotation (AUTH_SECRET_PREVIOUS).
 */
import { base64url } from 'jose'

/** The MAC input that derives a key id from a secret. */
export const KEY_ID_INPUT = 'octp2p-kid'

export const keyIdOf = (mac: Uint8Array) => base64url.encode(mac).slice(0, 16)

/** The `typ` a kind of token is minted with and accepts (RFC 8725 §3.11: explicit typing). */
export interface TypRule {
  /** Minted with, and always accepted. */
  typ: string
  /** Also accept `JWT` or no `typ`: tokens minted by app backends before typed tokens existed. */
  legacy: boolean
}

export const ROOM_TYP: TypRule = { typ: 'octp2p-room+jwt', legacy: true }
export const RESUME_TYP: TypRule = { typ: 'octp2p-resume+jwt', legacy: false }

/** RFC 7515 §4.1.9: case-insensitive, and "application/" may be omitted. */
const normalizeTyp = (t: unknown) => (typeof t === 'string' ? t.toLowerCase().replace(/^application\//, '') : t)

/**
 * Header fields that point at keys elsewhere (RFC 8725 §3.10). We never fetch anything; a token carrying one was not
 * minted by us or by a backend following our docs, so it is refused rather than silently half-understood.
 */
const FOREIGN_KEY_FIELDS = ['jku', 'x5u', 'jwk', 'x5c'] as const

/** Why a correctly signed token's header is still refused, or null. Applied after the signature and claims checks. */
export function headerProblem(header: Record<string, unknown>, rule: TypRule): string | null {
  for (const field of FOREIGN_KEY_FIELDS) if (Object.hasOwn(header, field)) return field
  const typ = normalizeTyp(header.typ)
  if (typ === rule.typ) return null
  if (rule.legacy && (typ === undefined || typ === 'jwt')) return null
  return 'typ'
}

/**
 * The indexes (into `kids`, current first) of the keys to try: the one `kid` names, none for a `kid` we never issued
 * (no lookup anywhere else), every key when the header has no `kid`.
 */
export function keysToTry(header: Record<string, unknown>, kids: readonly string[]): number[] {
  if (!Object.hasOwn(header, 'kid')) return kids.map((_, i) => i)
  const i = kids.indexOf(header.kid as string)
  return typeof header.kid === 'string' && i >= 0 ? [i] : []
}
