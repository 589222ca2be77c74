/** @module A test WebSocket client: queues every frame, waits for frames and closes by event, never by sleeping. */
import WebSocket, { type ClientOptions } from 'ws'

export interface Frame {
  type: string
  roomId?: string
  userId?: string
  from?: string
  targetUserId?: string
  // Test code inspects arbitrary payloads.
  data?: Record<string, any>
  timestamp?: number
}

const DEFAULT_WAIT_MS = 5000

export class TestClient {
  readonly frames: Frame[] = []
  private cursor = 0
  private waiters: (() => void)[] = []
  closed: { code: number; reason: string } | null = null
  private closeWaiters: (() => void)[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame)
      this.wake()
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) }
      this.wake()
      for (const w of this.closeWaiters.splice(0)) w()
    })
    ws.on('error', () => undefined)
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w()
  }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options)
      const client = new TestClient(ws)
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (req, res) => {
        // With this listener ws leaves the request to us: read the body, then free the socket.
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.once('end', () => {
          req.destroy()
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }))
        })
        res.once('error', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })))
      })
      ws.once('error', reject)
    })
  }

  /** Opens a socket, sends the auth frame and waits for the `auth` reply. */
  static async join(url: string, token: string, ids: { userId?: string; roomId?: string } = {}, options: ClientOptions = {}) {
    const client = await TestClient.open(url, options)
    client.send({ type: 'auth', ...ids, data: { token }, timestamp: Date.now() })
    const reply = await client.next('auth')
    return { client, reply }
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next unread frame (of `type`, skipping others when given). Rejects on close or timeout. */
  async next(type?: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!
        if (!type || f.type === type) return f
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${type ?? 'a frame'}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${type ?? 'a frame'}; got ${JSON.stringify(this.frames.slice(-3))}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Unread frames, marked read. */
  drain(): Frame[] {
    const out = this.frames.slice(this.cursor)
    this.cursor = this.frames.length
    return out
  }

  /**
   * Sentinel round trip: sends a `ping` frame and returns every unread frame that arrived before its
   * `pong` (the pong itself is consumed). The server handles a socket's frames in order, so anything
   * it sent this socket before reading the ping is in the result. Ping, not heartbeat, so that tests
   * sending heartbeats of their own cannot be mistaken for the sentinel.
   */
  async sync(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame[]> {
    const before: Frame[] = []
    this.send({ type: 'ping', timestamp: Date.now() })
    for (;;) {
      const f = await this.next(undefined, timeoutMs)
      if (f.type === 'pong') return before
      before.push(f)
    }
  }

  /** Frames received so far of a type (read or not). */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type)
  }

  /** Resolves with the close code and reason once the socket is closed. */
  waitClose(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs)
      this.closeWaiters.push(() => {
        clearTimeout(t)
        resolve(this.closed!)
      })
    })
  }

  close(code?: number) {
    this.ws.close(code)
    return this.waitClose()
  }
}
