/** @module One WebSocket connection as the hub sees it: keyed by our own id, never by the runtime's socket object. */
import type { ErrorCode } from '../errors.js'
import type { TokenBucket } from '../lib/token-bucket.js'

/** What the hub needs from a runtime socket. */
export interface SocketPort {
  send(frame: string): void
  close(code: number, reason: string): void
  /** Drops the connection without a closing handshake (falls back to close where the runtime has no such call). */
  terminate(): void
  /** Bytes queued but not yet written, where the runtime exposes it. */
  bufferedAmount(): number
  isOpen(): boolean
}

export interface Connection {
  readonly id: string
  readonly ip: string | null
  readonly socket: SocketPort
  state: 'pending' | 'authenticating' | 'joined' | 'closed'
  userId: string | null
  roomId: string | null
  userName: string | null
  lastSeen: number
  bucket: TokenBucket
  /** Frames dropped by the rate limit since the last accepted one. */
  dropped: number
  invalid: number
  authTimer: ReturnType<typeof setTimeout> | null
  /** Frames that arrived while the auth frame was being checked; replayed after the join. */
  queue: string[]
  /** Why the server closed it, when it did; decides the `peer-left` reason. */
  closeReason: ErrorCode | 'left' | null
  /** `"roomId":…,"userId":…,"from":…` as JSON, built at the first relay (idle peers never need it). */
  stamp: string
  /** True from the auth reply until the hub has announced the join: frames wait in `queue` meanwhile. */
  admitting: boolean
  /** Presence events of the room seen while this socket's store join was in flight (see Hub.prepare). */
  early: PresenceEvent[] | null
  /**
   * Connection ids of the peers listed in this socket's auth reply whose `joined` event may still arrive
   * from another instance: such a late event must not become a second `peer-joined`. Dropped after a while.
   */
  listed: Set<string> | null
  listedUntil: number
}

export interface PresenceEvent {
  kind: 'joined' | 'left'
  userId: string
  connectionId: string
  instanceId: string
  frame: string
}
