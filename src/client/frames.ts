/**
 * @module Incoming frames, validated with the server's own schemas: ServerMessageSchema for the envelope and
 * ClientMessageSchema for relayed signal payloads (the server relays `data` exactly as the sender's frame carried it).
 */
import { ClientMessageSchema } from '../protocol/client-messages.js'
import { ServerMessageSchema, type ServerMessage } from '../protocol/server-messages.js'

/** Error code the client reports for frames that do not match the protocol (the server never sends it). */
export const INVALID_FRAME = 'invalid_frame'

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string }

/** A signal from another peer, with the type normalised (`offer` -> `sdp-offer`, `ice` -> `ice-candidate`). */
export type Signal =
  | { type: 'sdp-offer'; from: string; data: RTCSessionDescriptionInit }
  | { type: 'sdp-answer'; from: string; data: RTCSessionDescriptionInit }
  | { type: 'ice-candidate'; from: string; data: RTCIceCandidateInit | null }

type RelayedFrame = Extract<ServerMessage, { from: string }>

const describe = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')

/** Parses one text frame from the server; anything that is not JSON or not in the protocol is an error. */
export function parseServerFrame(raw: unknown): ParseResult<ServerMessage> {
  if (typeof raw !== 'string') return { ok: false, error: 'binary frame' }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return { ok: false, error: 'not JSON' }
  }
  const parsed = ServerMessageSchema.safeParse(json)
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describe(parsed.error.issues) }
}

/** Validates the payload of a relayed offer, answer or candidate and normalises it to a Signal. */
export function toSignal(frame: RelayedFrame): ParseResult<Signal> {
  const parsed = ClientMessageSchema.safeParse({ type: frame.type, data: frame.data })
  if (!parsed.success) return { ok: false, error: `${frame.type} from ${frame.from}: ${describe(parsed.error.issues)}` }
  const msg = parsed.data
  const from = frame.from
  switch (msg.type) {
    case 'sdp-offer':
    case 'offer':
      return { ok: true, value: { type: 'sdp-offer', from, data: { type: 'offer', sdp: msg.data.sdp } } }
    case 'sdp-answer':
    case 'answer':
      return { ok: true, value: { type: 'sdp-answer', from, data: { type: 'answer', sdp: msg.data.sdp } } }
    case 'ice-candidate':
    case 'ice': {
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = msg.data
      if (candidate === null) return { ok: true, value: { type: 'ice-candidate', from, data: null } }
      const init = typeof candidate === 'string' ? { candidate, sdpMid, sdpMLineIndex, usernameFragment } : candidate
      return { ok: true, value: { type: 'ice-candidate', from, data: init } }
    }
    default:
      return { ok: false, error: `${frame.type} from ${frame.from}: not a signal` }
  }
}
