/**
 * @module Frames from a socket: the first must be `auth`; after the join, signals, heartbeats, pings and leave, under
 * the message rate and the invalid-frame streak. Frames that arrive before the socket may act on them wait, in order.
 */
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { takeToken } from '../lib/token-bucket.js'
import { bump, type Metrics } from '../ops/metrics.js'
import { decodeClientFrame } from '../protocol/codec.js'
import type { AuthMessage } from '../protocol/client-messages.js'
import type { Connection } from './connection.js'
import type { Outbound } from './outbound.js'
import type { Relay } from './relay.js'

/** Invalid frames in a row before the socket is closed (4000). */
const MAX_INVALID_IN_A_ROW = 10
/** Frames accepted while the socket may not act yet (auth being checked, join being announced). */
const MAX_HELD = 32

export interface InboundDeps {
  ws: Config['ws']
  out: Outbound
  relay: Relay
  clock: Clock
  metrics: Metrics
  /** The auth frame, decoded; the handshake takes it from here. */
  authenticate: (conn: Connection, msg: AuthMessage) => void
  /** A frame on a socket that is not authenticated yet, or a second `auth`. */
  failAuth: (conn: Connection, code: ErrorCode) => void
}

export class Inbound {
  constructor(private readonly d: InboundDeps) {}

  /** Every text or binary frame of every socket comes through here. */
  message(conn: Connection, raw: unknown) {
    const now = this.d.clock.now()
    conn.lastSeen = now
    switch (conn.state) {
      case 'joined':
        // Earlier frames may still wait for the join to be announced; keep the order.
        return conn.held !== null ? this.hold(conn, raw) : this.joinedFrame(conn, raw, now)
      case 'authenticating':
      case 'entering':
        return this.hold(conn, raw)
      case 'pending':
        return this.firstFrame(conn, raw)
      case 'closed':
        return
    }
  }

  /** The socket may act now: the frames that waited are handled in arrival order. */
  release(conn: Connection) {
    const held = conn.held
    conn.held = null
    if (!held) return
    for (const raw of held) {
      if (conn.isClosed) return
      this.joinedFrame(conn, raw, this.d.clock.now())
    }
  }

  /** Answers a bad frame; ten in a row close the socket. */
  reject(conn: Connection, code: ErrorCode) {
    bump(this.d.metrics.rejectedFrames, code)
    if (code === 'binary_unsupported') return this.d.out.close(conn, code)
    this.d.out.sendError(conn, code)
    if (++conn.invalid >= MAX_INVALID_IN_A_ROW) this.d.out.close(conn, 'too_many_invalid')
  }

  private firstFrame(conn: Connection, raw: unknown) {
    const decoded = decodeClientFrame(raw, this.d.ws.maxMessageBytes)
    if (!decoded.ok || decoded.message.type !== 'auth') {
      return this.d.failAuth(conn, !decoded.ok && decoded.code === 'binary_unsupported' ? 'binary_unsupported' : 'auth_required')
    }
    conn.beginAuth()
    this.d.authenticate(conn, decoded.message)
  }

  private hold(conn: Connection, raw: unknown) {
    if (typeof raw !== 'string') return this.d.out.close(conn, 'binary_unsupported')
    if (conn.held === null) return
    if (conn.held.length >= MAX_HELD) return this.d.out.close(conn, 'rate_limited')
    conn.held.push(raw)
  }

  /**
   * Charges `cost` tokens of the socket's message rate. Over the rate the frame is dropped: one `rate_limited` error when
   * dropping starts, and a close (4008) past MESSAGE_BURST dropped frames in a row.
   */
  private charge(conn: Connection, now: number, cost: number): boolean {
    const ws = this.d.ws
    if (takeToken(conn.bucket, now, ws.messageRate, ws.messageBurst, cost)) {
      conn.dropped = 0
      return true
    }
    bump(this.d.metrics.rejectedFrames, 'rate_limited')
    if (++conn.dropped === 1) this.d.out.sendError(conn, 'rate_limited')
    else if (conn.dropped > ws.messageBurst) this.d.out.close(conn, 'rate_limited')
    return false
  }

  /**
   * A broadcast costs one token per receiver (issue 9 finding 11: a room of 9 amplified 6 MB sent into 47 MB
   * delivered), at most the burst so that a full room stays reachable. The frame's own token is paid already.
   */
  private chargeFanOut(conn: Connection, now: number, target: string | undefined): boolean {
    if (target !== undefined) return true
    const extra = Math.min(this.d.relay.receivers(conn), this.d.ws.messageBurst) - 1
    return extra <= 0 || this.charge(conn, now, extra)
  }

  private joinedFrame(conn: Connection, raw: unknown, now: number) {
    // Paid before parsing: an invalid frame costs as much as a valid one (finding 6: 347 invalid 64 KB frames a second
    // were answered one by one and never closed the socket).
    if (!this.charge(conn, now, 1)) return
    const decoded = decodeClientFrame(raw, this.d.ws.maxMessageBytes)
    if (!decoded.ok) return this.reject(conn, decoded.code)
    conn.invalid = 0
    const msg = decoded.message
    switch (msg.type) {
      case 'auth':
        return this.d.failAuth(conn, 'already_authenticated')
      case 'sdp-offer':
      case 'offer':
      case 'sdp-answer':
      case 'answer':
      case 'ice-candidate':
      case 'ice': {
        if (!this.chargeFanOut(conn, now, msg.targetUserId ?? msg.to)) return
        const refused = this.d.relay.fromSocket(conn, msg, now)
        return refused ? this.reject(conn, refused) : undefined
      }
      case 'heartbeat':
        this.d.relay.touch(conn.roomId as string, now)
        return this.d.out.send(conn, JSON.stringify({ type: 'heartbeat', roomId: conn.roomId, userId: conn.userId, data: { status: 'ok' }, timestamp: now }))
      case 'ping':
        return this.d.out.send(conn, JSON.stringify({ type: 'pong', timestamp: now }))
      case 'leave-room':
        this.d.out.send(conn, JSON.stringify({ type: 'leave-room', roomId: conn.roomId, userId: conn.userId, data: { status: 'left' }, timestamp: now }))
        return this.d.out.close(conn, 'left')
      default: {
        const never: never = msg
        return never
      }
    }
  }
}
