/**
 * @module Checks of incoming frames, hand-written instead of zod's: zod is about 94 of the 103 KB the client bundle
 * weighed minified. `test/browser/checks.property.test.ts` holds them equal to ServerMessageSchema with fast-check
 * (same accepted set); relayed signal payloads go through signal-check.ts, the check the server itself uses.
 */
import type { ServerMessage } from '../protocol/server-messages.js'
import { checkSignal } from '../protocol/signal-check.js'

/** Error code the client reports for frames that do not match the protocol (the server never sends it). */
export const INVALID_FRAME = 'invalid_frame'

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string }

export type AuthReply = Extract<ServerMessage, { type: 'auth' }>

/** A signal from another peer, with the type normalised (`offer` -> `sdp-offer`, `ice` -> `ice-candidate`). */
export type Signal =
  | { type: 'sdp-offer'; from: string; data: RTCSessionDescriptionInit }
  | { type: 'sdp-answer'; from: string; data: RTCSessionDescriptionInit }
  | { type: 'ice-candidate'; from: string; data: RTCIceCandidateInit | null }

type RelayedFrame = Extract<ServerMessage, { from: string }>
type Obj = Record<string, unknown>
type Check = (v: unknown) => boolean

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str: Check = (v) => typeof v === 'string'
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v)
const bool: Check = (v) => typeof v === 'boolean'
const opt = (check: Check): Check => (v) => v === undefined || check(v)
const arrayOf = (check: Check): Check => (v) => Array.isArray(v) && v.every(check)
/** An object whose listed fields pass their checks (other fields are ignored, as zod strips them). */
const shape = (fields: Record<string, Check>): Check => (v) => isObj(v) && Object.keys(fields).every((k) => fields[k]?.(v[k]))
const literal = (value: string): Check => (v) => v === value

const PEER = { userId: str, userName: str, joinedAt: num }
const LIMITS = ['maxMessageBytes', 'messagesPerSecond', 'messageBurst', 'maxPeersPerRoom', 'heartbeatTimeoutMs']
const ICE_SERVER = shape({ urls: (v) => str(v) || arrayOf(str)(v), username: opt(str), credential: opt(str) })
const BASE = { roomId: opt(str), userId: opt(str), timestamp: num }

const AUTH = shape({
  status: literal('authenticated'),
  userName: str,
  peers: arrayOf(shape(PEER)),
  connectionId: str,
  tokenExpiresAt: num,
  resumeToken: opt((v) => v === null || str(v)),
  reconnectGraceMs: opt(num),
  resumed: opt(bool),
  iceServers: opt(arrayOf(ICE_SERVER)),
  limits: shape(Object.fromEntries(LIMITS.map((k) => [k, num]))),
})

const withData = (data: Check, envelope: Record<string, Check> = BASE) => shape({ ...envelope, data })
const SIGNAL_ENVELOPE = shape({ ...BASE, from: str, targetUserId: opt(str) })
/** A relayed signal: its `data` is checked by toSignal, but must be there (zod 4 requires a `z.unknown()` key). */
const SIGNAL: Check = (v) => SIGNAL_ENVELOPE(v) && 'data' in (v as Obj)

/** One check per server frame type, mirroring ServerMessageSchema in protocol/server-messages.ts. */
const FRAMES: Record<string, Check> = {
  auth: withData(AUTH),
  'peer-joined': withData(shape({ ...PEER, replaced: bool })),
  'peer-left': withData(shape({ userId: str, reason: str })),
  heartbeat: withData(shape({ status: literal('ok') })),
  pong: shape({ timestamp: num }),
  'leave-room': withData(shape({ status: literal('left') })),
  'room-closed': withData(shape({ reason: str })),
  error: withData(shape({ code: str, error: str }), { timestamp: num }),
}
for (const type of ['sdp-offer', 'offer', 'sdp-answer', 'answer', 'ice-candidate', 'ice']) FRAMES[type] = SIGNAL

/** Checks a parsed value against the server frame shapes; the value itself is returned (unknown fields kept). */
export function checkServerFrame(value: unknown): value is ServerMessage {
  if (!isObj(value) || typeof value.type !== 'string' || !Object.hasOwn(FRAMES, value.type)) return false
  return FRAMES[value.type]?.(value) === true
}

/** Parses one text frame from the server; anything that is not JSON or not in the protocol is an error. */
export function parseServerFrame(raw: unknown): ParseResult<ServerMessage> {
  if (typeof raw !== 'string') return { ok: false, error: 'binary frame' }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { ok: false, error: 'not JSON' }
  }
  if (checkServerFrame(value)) return { ok: true, value }
  return { ok: false, error: isObj(value) ? `not a valid ${String(value.type)} frame` : 'not a JSON object' }
}

/** Validates the payload of a relayed offer, answer or candidate and normalises it to a Signal. */
export function toSignal(frame: RelayedFrame): ParseResult<Signal> {
  const msg = checkSignal({ type: frame.type, data: frame.data })
  const from = frame.from
  if (!msg) return { ok: false, error: `${frame.type} from ${from}: invalid payload` }
  const { data } = msg
  if ('sdp' in data) {
    const offer = msg.type === 'sdp-offer' || msg.type === 'offer'
    return { ok: true, value: offer ? { type: 'sdp-offer', from, data: { type: 'offer', sdp: data.sdp } } : { type: 'sdp-answer', from, data: { type: 'answer', sdp: data.sdp } } }
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = data
  const init = candidate === null ? null : typeof candidate === 'string' ? { candidate, sdpMid, sdpMLineIndex, usernameFragment } : candidate
  return { ok: true, value: { type: 'ice-candidate', from, data: init } }
}
