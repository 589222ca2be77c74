/**
 * @module One Bun WebSocket as Hono's WSContext sees it, with its writes batched per event-loop turn.
 *
 * Why batch: uWS corks only the socket whose handler is running, and a relay writes to *other* sockets, so
 * every relayed frame cost its own `sendto`. Bun drains microtasks after every message callback (checked on
 * Bun 1.4.5: callback, microtask, callback, microtask), so a microtask flush still wrote once per frame; a
 * `setImmediate` flush runs after every frame of the read. Relaying bursts of 9 frames to one socket, 200
 * times: 1,800 `sendto` per frame vs 200 batched (`strace -c`).
 */
import { WSContext, type WSEvents, type WSReadyState } from 'hono/ws'

type Frame = string | ArrayBuffer | Uint8Array<ArrayBuffer>

/** What we use of Bun's ServerWebSocket (this project has no bun-types). */
export interface ServerWebSocket {
  readonly data: BunSocket
  /** Live: 1 while open, 3 once closed (also inside the close handler). */
  readonly readyState: number
  /** Bytes written or buffered; -1 under backpressure (buffered); 0 when dropped (closed, over backpressureLimit). */
  send(data: Frame): number
  /** Runs the close handler synchronously. */
  close(code?: number, reason?: string): void
  /** Closes without a close frame; also runs the close handler synchronously. */
  terminate(): void
  cork(fn: (ws: ServerWebSocket) => void): void
  getBufferedAmount(): number
}

/** Sockets with queued frames; all of them are written once the current event-loop turn is done. */
export class WriteBatch {
  private dirty: BunSocket[] = []
  private scheduled = false

  add(socket: BunSocket) {
    this.dirty.push(socket)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.flushAll)
  }

  private readonly flushAll = () => {
    this.scheduled = false
    const sockets = this.dirty
    this.dirty = []
    for (const socket of sockets) socket.flush()
  }
}

/**
 * The WSContext init, `ws.data` and `WSContext.raw` of one socket: one object and one WSContext for the
 * socket's whole life. `raw` is this object, not the ServerWebSocket, so that the socket port's
 * `bufferedAmount` and `terminate()` see the frames still queued here.
 */
export class BunSocket {
  /** Set by the open handler; Bun 1.4.5 passes the same ServerWebSocket to every handler of a socket. */
  socket: ServerWebSocket | null = null
  readonly ctx: WSContext<BunSocket>
  private queue: Frame[] = []
  private queuedBytes = 0

  constructor(
    readonly events: WSEvents<BunSocket>,
    readonly protocol: string,
    private readonly batch: WriteBatch,
  ) {
    this.ctx = new WSContext<BunSocket>(this)
  }

  get raw(): BunSocket {
    return this
  }

  get readyState(): WSReadyState {
    return (this.socket?.readyState ?? 0) as WSReadyState
  }

  /** Queues the frame; the batch writes it after this event-loop turn, in order, in one corked write. */
  send(data: Frame) {
    if (this.queue.length === 0) this.batch.add(this)
    this.queue.push(data)
    // 32 ns for a 1 KB frame on Bun 1.4.5: exact bytes, so the slow-consumer limit means what it says.
    this.queuedBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
  }

  /** Writes the queued frames now. */
  flush() {
    if (this.queue.length > 0 && this.socket) this.socket.cork(BunSocket.writeQueued)
  }

  private static writeQueued(ws: ServerWebSocket) {
    const self = ws.data
    const queue = self.queue
    for (let i = 0; i < queue.length; i++) ws.send(queue[i]!)
    queue.length = 0
    self.queuedBytes = 0
  }

  /** Frames queued first (an error frame precedes its close), then the close frame. */
  close(code?: number, reason?: string) {
    this.flush()
    this.socket?.close(code, reason)
  }

  /** For a consumer that stopped reading: what is queued here is dropped. */
  terminate() {
    this.queue.length = 0
    this.queuedBytes = 0
    this.socket?.terminate()
  }

  /** Bun's own buffer plus what is queued here. */
  get bufferedAmount(): number {
    return (this.socket?.getBufferedAmount() ?? 0) + this.queuedBytes
  }
}
