/** @module Writing to sockets: frames (with the slow-consumer guard), error frames and closes with the documented codes. */
import { closeCodeOf, ERRORS, type ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { Connection } from './connection.js'
import { errorFrame } from './frames.js'

/** Frames held for a socket waiting for its resumed session's kept frames; past this the newest are dropped. */
const MAX_PENDING_OUT = 1024

export class Outbound {
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** MAX_BUFFERED_BYTES: a socket with more queued than this has stopped reading. */
    private readonly maxBuffered: number,
  ) {}

  /** Sends a frame, closing consumers that stopped reading. */
  send(conn: Connection, frame: string) {
    if (conn.pendingOut !== null) {
      if (conn.pendingOut.length < MAX_PENDING_OUT) conn.pendingOut.push(frame)
      return
    }
    this.write(conn, frame)
  }

  sendError(conn: Connection, code: ErrorCode, message?: string) {
    this.send(conn, errorFrame(code, this.clock.now(), message))
  }

  /**
   * Closes with the code the error table gives, after an `error` frame naming it (none for a plain leave). A
   * consumer that stopped reading cannot take a close frame either: it is cut at once. Reasons are our fixed text,
   * never user input.
   */
  close(conn: Connection, code: ErrorCode | 'left') {
    if (conn.isClosed || conn.closeReason !== null) return
    conn.closeReason = code
    if (code === 'slow_consumer') return conn.socket.terminate()
    if (code !== 'left') this.write(conn, errorFrame(code, this.clock.now()))
    const wsCode = code === 'left' ? 1000 : (closeCodeOf(code) ?? 1008)
    const reason = code === 'left' ? 'left room' : ERRORS[code].message
    try {
      conn.socket.close(wsCode, reason.slice(0, 120))
    } catch (err) {
      this.logger.debug('close failed', { err })
    }
  }

  /** From now on frames for `conn` wait (in order) until `release`. */
  hold(conn: Connection) {
    conn.pendingOut ??= []
  }

  /** Writes `first`, then whatever waited since `hold`, and lets frames through again. */
  release(conn: Connection, first: readonly string[]) {
    const waiting = conn.pendingOut ?? []
    conn.pendingOut = null
    for (const frame of first) this.write(conn, frame)
    for (const frame of waiting) this.write(conn, frame)
  }

  private write(conn: Connection, frame: string) {
    if (conn.isClosed || !conn.socket.isOpen()) return
    if (conn.socket.bufferedAmount() > this.maxBuffered) return this.close(conn, 'slow_consumer')
    conn.socket.send(frame)
  }
}
