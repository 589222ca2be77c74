/** @module The session's options, events and states, and the error `connect()` rejects with. */
import type { PeerInfo } from '../protocol/server-messages.js'
import type { Signal } from './checks.js'
import { closeAction, type BackoffOptions, type CloseAction } from './close-codes.js'

export type SessionState = 'connecting' | 'open' | 'resuming' | 'reconnecting' | 'closed'

export interface StateChange {
  state: SessionState
  /** `open`: true when the server kept this session across the drop (nobody saw us leave, nothing to renegotiate). */
  resumed?: boolean
  /** Close code of the socket that ended; 1006 also for a socket this client found silent for too long. */
  code?: number
  /** The server's error code for that close, when it sent one, or `dead` (silent socket) or `token_unavailable`. */
  reason?: string
  /** `resuming` / `reconnecting`: milliseconds until the next attempt. */
  delayMs?: number
}

export interface SignalingError {
  code: string
  error: string
}

export interface SessionEvents {
  state: StateChange
  'peer-joined': PeerInfo & { replaced: boolean }
  'peer-left': { userId: string; reason: string }
  signal: Signal
  error: SignalingError
}

export interface ConnectOptions {
  /** `ws(s)://host:port/ws` of the signaling server. */
  url: string
  /** Called before every attempt for a room token (decides the user and the room). Or pass a fixed `token`. */
  getToken?: () => string | Promise<string>
  token?: string
  /** Display name, used unless the token carries one. */
  userName?: string
  /** Interval of `heartbeat` frames (the server answers each one). Default 20 s; 0 turns heartbeats and `deadAfterMs` off. */
  heartbeatMs?: number
  /** A socket with no frame for this long is dead: abandoned (no close frame, so the session stays resumable). Default heartbeatMs + 15 s. */
  deadAfterMs?: number
  /** How long one attempt may take from opening the socket to the `auth` reply. Default 10 s. */
  timeoutMs?: number
  /** Signals kept while the socket is away; past it, sends return false. Default 64. */
  queueLimit?: number
  backoff?: BackoffOptions
  /** WebSocket implementation; defaults to the browser's. Node passes the `ws` package's. */
  WebSocket?: new (url: string) => WebSocket
}

/** Why the session closed before it was ever open: the server's error code (or `connection_closed`) and what to do. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError'
  readonly action: CloseAction
  constructor(
    readonly code: string,
    readonly closeCode: number,
  ) {
    super(`signaling session closed (${closeCode} ${code})`)
    this.action = closeAction(closeCode)
  }
}

/** The options' timings and limits with their defaults (documented on ConnectOptions), resolved once per session. */
export function timings(o: ConnectOptions) {
  const heartbeatMs = o.heartbeatMs ?? 20_000
  return { heartbeatMs, deadAfterMs: heartbeatMs > 0 ? (o.deadAfterMs ?? heartbeatMs + 15_000) : 0, timeoutMs: o.timeoutMs ?? 10_000, queueLimit: o.queueLimit ?? 64 }
}
