/** @module Shared steps for the end-to-end scenarios: joining peers, forging tokens, fake SDP and candidates. */
import { SignJWT } from 'jose'
import { expect } from 'vitest'
import { startTestServer, TEST_SECRET, type TestServer } from '../../helpers/server.js'
import { TestClient, type Frame } from '../../helpers/ws-client.js'

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

/** Joins users one after another, each waiting for its auth reply; returns the clients by user id. */
export async function joinAll<const U extends string>(
  server: TestServer,
  roomId: string,
  userIds: readonly U[],
  url = server.ws,
): Promise<Record<U, TestClient>> {
  const out = {} as Record<U, TestClient>
  for (const userId of userIds) {
    const { client } = await TestClient.join(url, await server.token(userId, roomId), { userId, roomId })
    // Earlier peers see this one arrive; consume that so later assertions start clean.
    for (const earlier of Object.values<TestClient>(out)) expect((await earlier.next('peer-joined')).userId).toBe(userId)
    out[userId] = client
  }
  return out
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

/** Presence frames (peer-joined, peer-left) in a list. */
export const presence = (frames: Frame[]) => frames.filter((f) => f.type === 'peer-joined' || f.type === 'peer-left')

/** Runs `body` against a fresh server and always closes it. */
export async function withServer(env: Record<string, string>, body: (server: TestServer) => Promise<void>) {
  const server = await startTestServer(env)
  try {
    await body(server)
  } finally {
    await server.close()
  }
}

/** Waits until the server has processed closes down to `n` open sockets (its close handlers ran). */
export const settled = (server: TestServer, n: number) => until(() => server.wss.clients.size === n, `${n} sockets remain`)

/** A one-shot gate for a wrapped store call: `hold()` inside the call, `held` for the test, `release()` to let it go on. */
export function gate() {
  let signal: () => void = () => undefined
  let open: () => void = () => undefined
  const held = new Promise<void>((resolve) => (signal = resolve))
  const released = new Promise<void>((resolve) => (open = resolve))
  return {
    held,
    release: () => open(),
    async hold() {
      signal()
      await released
    },
  }
}
