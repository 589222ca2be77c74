/** @module Writing to /yjs sockets: frames with the slow-consumer guard, error frames, closes with the documented codes. */
import { closeCodeOf, ERRORS, type ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { errorFrame } from '../signaling/frames.js'
import type { YjsSocket } from './socket.js'

export class YjsOut {
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** MAX_BUFFERED_BYTES: a socket with more queued than this has stopped reading. */
    private readonly maxBuffered: number,
  ) {}

  /** Writes a frame; a socket that stopped reading is cut instead. */
  send(s: YjsSocket, frame: string) {
    if (s.closed || s.closeReason !== null || !s.port.isOpen()) return
    if (s.port.bufferedAmount() > this.maxBuffered) return this.close(s, 'slow_consumer')
    s.port.send(frame)
  }

  sendError(s: YjsSocket, code: ErrorCode) {
    this.send(s, errorFrame(code, this.clock.now()))
  }

  /**
   * Closes with the code the error table gives, after an `error` frame naming it (y-webrtc ignores frames it does
   * not know, other clients learn why). A consumer that stopped reading is cut at once. The reason is our fixed
   * text, never client input.
   */
  close(s: YjsSocket, code: ErrorCode) {
    if (s.closed || s.closeReason !== null) return
    if (code === 'slow_consumer') {
      s.closeReason = code
      return s.port.terminate()
    }
    this.sendError(s, code)
    s.closeReason = code
    try {
      s.port.close(closeCodeOf(code) ?? 1008, ERRORS[code].message.slice(0, 120))
    } catch (err) {
      this.logger.debug('close failed', { err })
    }
  }
}
