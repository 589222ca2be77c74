/**
 * @module Resume tokens: what an auth reply hands a client so that its next socket can take over the session
 * (RECONNECT_GRACE). A compact HS256 JWT under the room-token secret, bound to the user, the room and the session's
 * connection, with its own audience so that it can never pass as a room token (it also lacks `exp` and `jti`, which
 * room tokens require). It has no expiry of its own: it works while the room's record of the user still names that
 * connection, and the resume moves the record, so each token works once (storage/types.ts RoomStore.resume).
 */
import * as z from 'zod'
import { IdSchema } from '../protocol/ids.js'
import type { ClaimRules } from './jwt-codec.js'
import { RESUME_TYP } from './key-ring.js'
import { createCodec, type TokenOptions } from './tokens.js'

/** What a resume token proves. */
export interface ResumeClaims {
  userId: string
  roomId: string
  /** The connection id the session had when the token was issued. */
  sessionConnectionId: string
  /** The session's first join, kept across resumes (peer lists show it). */
  joinedAt: number
}

const ResumeClaimsSchema = z.object({
  sub: IdSchema,
  room: IdSchema,
  sid: z.string().min(1).max(128),
  jat: z.number().int().nonnegative(),
})

export interface ResumeTokens {
  issue(claims: ResumeClaims): Promise<string>
  /** The claims of a genuine resume token, or null for anything else (never throws). */
  verify(token: string): Promise<ResumeClaims | null>
}

export function createResumeTokens(opts: Omit<TokenOptions, 'ttlSeconds'>): ResumeTokens {
  // Its own audience and typ: a resume token never passes as a room token, nor the other way round.
  const rules: ClaimRules = { issuer: opts.issuer, audience: `${opts.audience}#resume`, required: ['iat', 'sub', 'room', 'sid', 'jat'], toleranceS: 30, typ: RESUME_TYP }
  const codec = createCodec(opts, rules)
  return {
    issue: (c) =>
      codec.sign({ sub: c.userId, room: c.roomId, sid: c.sessionConnectionId, jat: c.joinedAt, iss: rules.issuer, aud: rules.audience, iat: Math.floor(opts.clock.now() / 1000) }),

    async verify(token) {
      const checked = await codec.verify(token, opts.clock.now())
      if (!checked.ok) return null
      const claims = ResumeClaimsSchema.safeParse(checked.payload)
      if (!claims.success) return null
      const c = claims.data
      return { userId: c.sub, roomId: c.room, sessionConnectionId: c.sid, joinedAt: c.jat }
    },
  }
}
