/** @module A fake runtime socket (SocketPort) that records what the core writes, and event-loop waits for tests. */
import type { SocketPort } from '../../../src/signaling/connection.js'

/** A server frame as a client would parse it. */
export interface Frame {
  type: string
  roomId?: string
  userId?: string
  from?: string
  targetUserId?: string
  data?: Record<string, unknown>
  timestamp?: number
}

/** Waits, one event-loop turn at a time, until `cond` holds; fails after `turns` turns. */
export async function until(cond: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return
    await new Promise<void>((r) => setImmediate(r))
  }
  throw new Error(`gave up waiting for ${what}`)
}

/** Lets every pending promise, microtask and bus delivery run (for asserting that nothing more happens). */
export async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r))
}

/** The runtime side of one socket: records what the core writes to it. */
export class FakeSocket implements SocketPort {
  readonly raw: string[] = []
  readonly frames: Frame[] = []
  closed: { code: number; reason: string } | null = null
  terminated = false
  open = true
  buffered = 0
  /** What the runtime does after the server closed or cut the socket (the world reports the close to the core). */
  onEnd: (code: number) => void = () => undefined

  send(frame: string) {
    this.raw.push(frame)
    this.frames.push(JSON.parse(frame) as Frame)
  }
  close(code: number, reason: string) {
    if (!this.open) return
    this.open = false
    this.closed = { code, reason }
    this.onEnd(code)
  }
  terminate() {
    if (!this.open) return
    this.open = false
    this.terminated = true
    this.onEnd(1006)
  }
  bufferedAmount() {
    return this.buffered
  }
  isOpen() {
    return this.open
  }
}
