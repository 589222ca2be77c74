/**
 * @module Frames from a /yjs socket, under the same limits as /ws (frame size, message rate, invalid-frame streak).
 * A subscribe or unsubscribe of the socket's own topic changes its store membership; frames arriving meanwhile wait
 * and are handled after it, in order (the provider sends `subscribe` and its first `publish` back to back).
 */
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { takeToken } from '../lib/token-bucket.js'
import { bump, type YjsMetrics } from '../ops/metrics.js'
import { decodeYjsFrame, PONG_FRAME, type YjsPublish } from '../protocol/yjs-messages.js'
import type { YjsFanout } from './fanout.js'
import type { Membership } from './membership.js'
import type { YjsOut } from './out.js'
import type { YjsSocket } from './socket.js'

/** Invalid frames in a row before the socket is closed (4000), as on /ws. */
const MAX_INVALID_IN_A_ROW = 10
/** Frames kept while a membership change is in flight (one store round trip). */
const MAX_HELD = 64
/**
 * What a publish costs beyond its own token: one token per this many bytes delivered. /ws charges a broadcast once
 * per receiver; y-webrtc broadcasts every signal (a newcomer to a room of 16 answers 15 offers and trickles its
 * ICE candidates to each: a hundred frames or more within a second), so that rule would close ordinary providers.
 * Charging bytes delivered bounds what one socket makes the server send to MESSAGE_RATE x 16 KB a second however
 * large the room, and leaves a signal of a few hundred bytes at one token.
 */
const FANOUT_BYTES_PER_TOKEN = 16 * 1024

export interface YjsInboundDeps {
  ws: Config['ws']
  out: YjsOut
  fanout: YjsFanout
  membership: Membership
  clock: Clock
  metrics: YjsMetrics
}

export class YjsInbound {
  constructor(private readonly d: YjsInboundDeps) {}

  /** Every frame of every /yjs socket comes through here. */
  message(s: YjsSocket, raw: unknown) {
    if (s.closed || s.closeReason !== null) return
    const now = this.d.clock.now()
    s.lastSeen = now
    if (typeof raw !== 'string') return this.reject(s, 'binary_unsupported')
    // Paid before parsing: an invalid frame costs as much as a valid one.
    if (!this.charge(s, now, 1)) return
    if (s.held === null) return this.handle(s, raw, now)
    if (s.held.length >= MAX_HELD) return this.d.out.close(s, 'rate_limited')
    s.held.push(raw)
  }

  /** MESSAGE_RATE and MESSAGE_BURST: one warning when dropping starts, a close when it goes on past the burst. */
  private charge(s: YjsSocket, now: number, cost: number): boolean {
    const { messageRate, messageBurst } = this.d.ws
    if (takeToken(s.bucket, now, messageRate, messageBurst, cost)) {
      s.dropped = 0
      return true
    }
    bump(this.d.metrics.rejectedFrames, 'rate_limited')
    if (++s.dropped === 1) this.d.out.sendError(s, 'rate_limited')
    else if (s.dropped > messageBurst) this.d.out.close(s, 'rate_limited')
    return false
  }

  private reject(s: YjsSocket, code: ErrorCode) {
    bump(this.d.metrics.rejectedFrames, code)
    if (code === 'binary_unsupported') return this.d.out.close(s, code)
    this.d.out.sendError(s, code)
    if (++s.invalid >= MAX_INVALID_IN_A_ROW) this.d.out.close(s, 'too_many_invalid')
  }

  private handle(s: YjsSocket, raw: string, now: number) {
    const decoded = decodeYjsFrame(raw, this.d.ws.maxMessageBytes)
    if (!decoded.ok) return this.reject(s, decoded.code)
    s.invalid = 0
    const msg = decoded.message
    switch (msg.type) {
      case 'subscribe':
        return this.subscribe(s, msg.topics ?? [])
      case 'unsubscribe':
        return this.unsubscribe(s, msg.topics ?? [])
      case 'publish':
        return this.publish(s, msg, raw.length, now)
      case 'ping':
        if (s.topic) this.d.fanout.touch(s.topic, now)
        return this.d.out.send(s, PONG_FRAME)
      default: {
        const never: never = msg
        return never
      }
    }
  }

  /** Only the token's room counts; the provider subscribes to every room of the page, the rest are skipped. */
  private subscribe(s: YjsSocket, topics: unknown[]) {
    const own = topics.includes(s.who.roomId)
    this.d.metrics.ignoredTopics += topics.filter((t) => typeof t === 'string' && t !== s.who.roomId).length
    if (own && s.member === 'out') this.wait(s, this.d.membership.join(s))
  }

  private unsubscribe(s: YjsSocket, topics: unknown[]) {
    if (topics.includes(s.who.roomId) && s.member === 'in') this.wait(s, this.d.membership.leave(s, 'unsubscribed'))
  }

  /** A publish to another topic, or before subscribing, reaches nobody (the stock server has no subscribers for it). */
  private publish(s: YjsSocket, msg: YjsPublish, bytes: number, now: number) {
    if (msg.topic !== s.who.roomId) return bump(this.d.metrics.dropped, 'other_topic')
    const t = s.topic
    if (!t) return bump(this.d.metrics.dropped, 'not_subscribed')
    const extra = Math.min(Math.ceil((bytes * t.clients) / FANOUT_BYTES_PER_TOKEN), this.d.ws.messageBurst) - 1
    if (extra > 0 && !this.charge(s, now, extra)) return
    this.d.fanout.publish(t, s, msg.data, now)
  }

  /** Later frames wait until `work` (a membership change) is done. */
  private wait(s: YjsSocket, work: Promise<void>) {
    s.held = []
    void work.finally(() => this.release(s))
  }

  /** Handles the frames that waited, in order; another membership change among them makes the rest wait again. */
  private release(s: YjsSocket) {
    const held = s.held ?? []
    s.held = null
    for (let i = 0; i < held.length; i++) {
      if (s.closed || s.closeReason !== null) return
      this.handle(s, held[i]!, this.d.clock.now())
      // `handle` may have started another change (TypeScript still sees the null assigned above).
      const waiting = s.held as string[] | null
      if (waiting !== null) {
        waiting.push(...held.slice(i + 1))
        return
      }
    }
  }
}
