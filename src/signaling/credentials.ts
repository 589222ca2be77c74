/**
 * @module The handshake's credential checks: the room token against the frame's ids and the URL's room, the
 * single-use record, and whether a resume token names a session this user may take over. No socket is closed here:
 * a refusal comes back as a value, and the handshake answers it.
 */
import type { ResumeClaims, ResumeTokens } from '../auth/resume-tokens.js'
import type { RoomClaims, TokenService } from '../auth/tokens.js'
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { AuthMessage } from '../protocol/client-messages.js'
import type { TokenUseStore } from '../storage/types.js'

export interface CredentialDeps {
  config: Config
  tokens: TokenService
  resumeTokens: ResumeTokens
  tokenUses: TokenUseStore
}

/**
 * The room token's verdict. `reused`: SINGLE_USE_TOKENS is on and the token was presented before, so it may only come
 * with the resume token of a session that still exists. A refusal names the ids to audit it under.
 */
export type Verdict = { ok: true; claims: RoomClaims; reused: boolean } | { ok: false; code: ErrorCode; userId: string | null; roomId: string | null }

/**
 * The room token's claims, checked against the frame's ids and the room on the upgrade URL; null when the socket
 * closed during the verify (its token is then not recorded as used).
 */
export async function checkRoomToken(d: CredentialDeps, msg: AuthMessage, conn: { readonly urlRoom: string | null; readonly isClosed: boolean }): Promise<Verdict | null> {
  const verified = await d.tokens.verify(msg.data.token)
  if (conn.isClosed) return null
  const urlRoom = conn.urlRoom
  const claimedUser = msg.userId ?? msg.from ?? msg.data.userId ?? null
  const claimedRoom = msg.roomId ?? msg.data.roomId ?? null
  if (!verified.ok) return { ok: false, code: verified.code, userId: claimedUser, roomId: claimedRoom }
  const c = verified.claims
  // The room on the upgrade URL binds the socket as a room id in the frame does (on Workers it chose the object).
  if ((claimedUser && claimedUser !== c.userId) || (claimedRoom && claimedRoom !== c.roomId) || (urlRoom !== null && urlRoom !== c.roomId)) {
    return { ok: false, code: 'token_mismatch', userId: c.userId, roomId: c.roomId }
  }
  // Uses are recorded only when they matter: a record per jti kept until the token expires grew the heap by 157 B
  // per handshake in the churn benchmark (about 400 MB per hour of distinct tokens).
  const reused = d.config.auth.singleUse && (await d.tokenUses.recordUse(c.jti, c.expiresAt)) > 1
  return { ok: true, claims: c, reused }
}

/** The session a resume token names, when it is genuine and for this user and room; anything else is a plain join. */
export async function resumableSession(d: CredentialDeps, token: string | undefined, c: RoomClaims): Promise<ResumeClaims | null> {
  if (!token || d.config.ws.reconnectGraceMs === 0) return null
  const session = await d.resumeTokens.verify(token)
  return session && session.userId === c.userId && session.roomId === c.roomId ? session : null
}
