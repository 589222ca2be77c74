/**
 * @module One WebSocket connection as the core sees it: keyed by our own id, never by the runtime's socket object.
 * Each field has one owner, named beside it; other modules read a field but only its owner writes it.
 */
import type { ErrorCode } from '../errors.js'
import type { Timer } from '../lib/scheduler.js'
import type { PeerRecord } from '../storage/records.js'
import { createBucket, type TokenBucket } from '../lib/token-bucket.js'

/** What the core needs from a runtime socket. */
export interface SocketPort {
  send(frame: string): void
  close(code: number, reason: string): void
  /** Drops the connection without a closing handshake (falls back to close where the runtime has no such call). */
  terminate(): void
  /** Bytes queued but not yet written, where the runtime exposes it. */
  bufferedAmount(): number
  isOpen(): boolean
  /** The socket joined as `peer` (or resumed as it): a runtime that may evict its memory keeps it (Workers' attachment). */
  identify?(peer: PeerRecord): void
}

/**
 * pending: waiting for `auth`. authenticating: the token is being checked. entering: the store took the join (or
 * resume) and the room is being told; a close now is finished by the handshake, after the announcement. joined:
 * announced; frames are acted on. closed: the runtime reported the close.
 */
export type ConnectionState = 'pending' | 'authenticating' | 'entering' | 'joined' | 'closed'

/** Who a joined connection speaks for: from the verified token, set once by the handshake. */
export interface Identity {
  roomId: string
  userId: string
  userName: string
}

/** A presence change seen while a socket's store join was in flight (presence.ts). */
export interface PresenceEvent {
  kind: 'joined' | 'left'
  userId: string
  connectionId: string
  instanceId: string
  frame: string
}

export class Connection {
  /** Owner: this class (the transitions below). */
  state: ConnectionState = 'pending'
  /** Owner: lifecycle.ts (at open). The room the upgrade URL named (`/ws?room=`, `/ws/<id>`): the token must be for it. */
  urlRoom: string | null = null
  /** Owner: this class, through `join`. Null until the handshake joins a room. */
  roomId: string | null = null
  userId: string | null = null
  userName: string | null = null
  /** Owner: inbound.ts. */
  lastSeen: number
  bucket: TokenBucket
  /** Frames dropped by the rate limit since the last accepted one. */
  dropped = 0
  invalid = 0
  /** Frames that arrived before this socket may act on them (auth in flight, join being announced), in order. */
  held: string[] | null = null
  /** Owner: handshake.ts. */
  authTimer: Timer | null = null
  /** Owner: outbound.ts. Why the server closed it, when it did; decides the `peer-left` reason. */
  closeReason: ErrorCode | 'left' | null = null
  /**
   * Owner: lifecycle.ts. How the socket ended: the close code the runtime reported (1006: without a closing handshake),
   * or 1002 when the transport gave up on a protocol violation first (its close looks like 1006 too).
   */
  closeCode: number | undefined = undefined
  /** Owner: outbound.ts. Frames for this socket held until the frames kept for its resumed session arrive. */
  pendingOut: string[] | null = null
  /** Owner: relay.ts. `"roomId":…,"userId":…,"from":…` as JSON, built at the first relay (idle peers never need it). */
  stamp = ''
  /** Owner: presence.ts. The room's presence events seen while this socket's store join was in flight. */
  early: PresenceEvent[] | null = null
  /**
   * Owner: presence.ts. Connection ids listed in this socket's auth reply whose `joined` event may still arrive from
   * another instance: such a late event must not become a second `peer-joined`. Dropped after a while.
   */
  listed: Set<string> | null = null
  listedUntil = 0

  constructor(
    readonly id: string,
    readonly ip: string | null,
    readonly socket: SocketPort,
    now: number,
    burst: number,
  ) {
    this.lastSeen = now
    this.bucket = createBucket(burst, now)
  }

  /** The auth frame arrived: later frames wait in `held` until the join is announced. */
  beginAuth() {
    this.state = 'authenticating'
    this.held = []
  }

  /** The store took the join (or resume). A socket that closed meanwhile stays closed, but knows whose it was. */
  join(who: Identity) {
    this.roomId = who.roomId
    this.userId = who.userId
    this.userName = who.userName
    if (this.state !== 'closed') this.state = 'entering'
  }

  /** The room has been told: frames from now on are acted on. */
  admitted() {
    if (this.state === 'entering') this.state = 'joined'
  }

  /** Returns false when it was closed already. */
  markClosed(): boolean {
    if (this.state === 'closed') return false
    this.state = 'closed'
    this.held = null
    return true
  }

  get isClosed() {
    return this.state === 'closed'
  }
}
