/**
 * @module Room tokens: HS256 JWTs binding a user to one room. The algorithm is pinned and `exp`, `iat`, `sub`,
 * `room`, `jti`, `iss`, `aud` are all required on verify. The JWT layer is jose on WebCrypto unless the runtime
 * injects a synchronous HMAC (`hs256`, Node), which gives the same answers at a fraction of the CPU.
 */
import * as z from 'zod'
import { IdSchema, UserNameSchema } from '../protocol/ids.js'
import type { Clock } from '../lib/clock.js'
import { randomId } from '../lib/ids.js'
import { MAX_TOKEN_LIFETIME_S } from './limits.js'
import { createHs256Codec, type Hs256MacFactory } from './hs256.js'
import { createJoseCodec, type ClaimRules, type JwtCodec } from './jwt-codec.js'
import { ROOM_TYP } from './key-ring.js'

export interface TokenOptions {
  secret: string
  /** AUTH_SECRET_PREVIOUS: tokens it signed still verify while a rotation is under way. */
  previousSecret?: string | null
  issuer: string
  audience: string
  ttlSeconds: number
  clock: Clock
  /** A synchronous HMAC-SHA256 (node:crypto on Node); without it, jose on WebCrypto signs and verifies. */
  hs256?: Hs256MacFactory
}

/** Verified claims, already checked against the id rules. */
export interface RoomClaims {
  userId: string
  roomId: string
  userName: string | undefined
  jti: string
  /** Expiry, epoch ms. */
  expiresAt: number
}

export type VerifyResult = { ok: true; claims: RoomClaims } | { ok: false; code: 'token_invalid' | 'token_expired'; cause?: unknown }

const ClaimsSchema = z.object({
  sub: IdSchema,
  room: IdSchema,
  name: UserNameSchema.optional(),
  jti: z.string().min(8).max(128),
  exp: z.number(),
})

/** Tolerated clock skew between the minting backend and this server. */
const CLOCK_TOLERANCE_S = 30
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'jti', 'room'] as const

export interface TokenService {
  mint(input: { userId: string; roomId: string; userName?: string }): Promise<{ token: string; expiresAt: number; jti: string }>
  verify(token: string): Promise<VerifyResult>
}

/** Our rules on top of the JWT layer's: iat not in the future, a bounded lifetime, ids that pass the id rules. */
function roomClaims(payload: Record<string, unknown>, nowS: number): VerifyResult {
  const iat = typeof payload.iat === 'number' ? payload.iat : 0
  const exp = typeof payload.exp === 'number' ? payload.exp : 0
  if (iat > nowS + CLOCK_TOLERANCE_S) return { ok: false, code: 'token_invalid' }
  if (exp - iat > MAX_TOKEN_LIFETIME_S) return { ok: false, code: 'token_invalid' }
  const claims = ClaimsSchema.safeParse(payload)
  if (!claims.success) return { ok: false, code: 'token_invalid', cause: claims.error }
  const c = claims.data
  return { ok: true, claims: { userId: c.sub, roomId: c.room, userName: c.name, jti: c.jti, expiresAt: c.exp * 1000 } }
}

export function createTokenService(opts: TokenOptions): TokenService {
  const rules: ClaimRules = { issuer: opts.issuer, audience: opts.audience, required: REQUIRED_CLAIMS, toleranceS: CLOCK_TOLERANCE_S, typ: ROOM_TYP }
  const codec = createCodec(opts, rules)
  const nowS = () => Math.floor(opts.clock.now() / 1000)

  return {
    async mint({ userId, roomId, userName }) {
      const iat = nowS()
      const exp = iat + opts.ttlSeconds
      const jti = randomId()
      // Key order is the token's byte order; kept as it was when jose's setters built it.
      const claims: Record<string, unknown> = { room: roomId }
      if (userName) claims.name = userName
      Object.assign(claims, { sub: userId, iss: opts.issuer, aud: opts.audience, iat, exp, jti })
      return { token: await codec.sign(claims), expiresAt: exp * 1000, jti }
    },

    async verify(token) {
      const now = opts.clock.now()
      const checked = await codec.verify(token, now)
      return checked.ok ? roomClaims(checked.payload, Math.floor(now / 1000)) : checked
    },
  }
}

/** The JWT codec for these options: current secret first, then the previous one; synchronous HMAC when injected. */
export function createCodec(opts: Pick<TokenOptions, 'secret' | 'previousSecret' | 'hs256'>, rules: ClaimRules): JwtCodec {
  const secrets = opts.previousSecret ? [opts.secret, opts.previousSecret] : [opts.secret]
  const hs256 = opts.hs256
  return hs256 ? createHs256Codec(secrets.map((s) => hs256(s)), rules) : createJoseCodec(secrets, rules)
}

/** Human text for the seed's `expiresIn` field ("1 hour" for the default TTL). */
export function describeTtl(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${seconds} seconds`
}
