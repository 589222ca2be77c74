/** @module Shared steps for the end-to-end scenarios: forging tokens, fake SDP and candidates, frame filters, waiting. */
import { SignJWT } from 'jose'
import { expect } from 'vitest'
import { TEST_SECRET } from '../../helpers/server.js'
import type { Frame } from '../../helpers/ws-client.js'

/** The defaults of src/config.ts (TOKEN_ISSUER, TOKEN_AUDIENCE). */
export const ISSUER = 'octatecode-p2p-backend'
export const AUDIENCE = 'octatecode-p2p-signaling'

export interface ForgeOptions {
  sub?: string
  room?: string
  /** Seconds since the epoch. */
  iat?: number
  exp?: number
  alg?: 'HS256' | 'HS384' | 'HS512'
  secret?: string
}

/** Signs a room token the way an app backend would, with every claim overridable. */
export function forgeToken(o: ForgeOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ room: o.room ?? 'room-1' })
    .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(o.sub ?? 'alice')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 3600)
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(o.secret ?? TEST_SECRET))
}

/** A plausible ~1 KB SDP body, tagged so a receiver can tell whose it is. */
export function fakeSdp(tag: string, kind: 'offer' | 'answer'): string {
  const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7 + tag.length).toString(16).padStart(2, '0').toUpperCase()).join(':')
  const lines = [
    'v=0',
    `o=- 46117317 2 IN IP4 127.0.0.1`,
    `s=${tag}-${kind}`,
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ]
  let sdp = lines.join('\r\n') + '\r\n'
  while (sdp.length < 1000) sdp += `a=x-pad:${'p'.repeat(60)}\r\n`
  return sdp
}

/** The i-th host candidate of a peer, as RTCIceCandidate.toJSON() gives it. */
export const fakeCandidate = (tag: string, i: number) => ({
  candidate: `candidate:${i} 1 udp 2122260223 192.0.2.${(i % 250) + 1} ${50000 + i} typ host generation 0 ufrag ${tag}`,
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: tag,
})

/** Frames of `type` in a list. */
export const ofType = (frames: Frame[], type: string) => frames.filter((f) => f.type === type)

/** A frame without its timestamp, to compare two answers that differ only in time. */
export const untimed = (f: Frame) => ({ ...f, timestamp: undefined })

/**
 * Waits for a condition with no event to await (server-side bookkeeping after a close, a sweep).
 * Polls every 10 ms; fails with `what` after `timeoutMs`.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The exact `peer-left` frame the others get. */
export const peerLeft = (roomId: string, userId: string, reason: string) => ({
  type: 'peer-left',
  roomId,
  userId,
  data: { userId, reason },
  timestamp: expect.any(Number),
})

/**
 * Waits out a span of time. Only for checking that something does NOT happen during it (nothing to await);
 * everything that does happen is awaited as an event.
 */
export const elapse = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Presence frames (peer-joined, peer-left) in a list. */
export const presence = (frames: Frame[]) => frames.filter((f) => f.type === 'peer-joined' || f.type === 'peer-left')
