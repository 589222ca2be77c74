/** @module `connect()`: open the signaling socket, authenticate with a token, resolve once the server has admitted us. */
import type { ClientMessage } from '../protocol/client-messages.js'
import { closeAction, type CloseAction } from './close-codes.js'
import { parseServerFrame } from './frames.js'
import { SignalingClient } from './signaling-client.js'

export interface ConnectOptions {
  /** `ws(s)://host:port/ws` of the signaling server. */
  url: string
  /** A token from `POST /api/auth/token` (or minted by your backend); it decides the user and the room. */
  token: string
  /** Display name, used unless the token carries one. */
  userName?: string
  /** Interval of `heartbeat` frames; 0 turns them off. Default 30 s (the server drops peers silent for 5 min). */
  heartbeatMs?: number
  /** How long to wait for the `auth` reply. Default 10 s. */
  timeoutMs?: number
  /** WebSocket implementation; defaults to the browser's. Tests in Node pass the `ws` package's. */
  WebSocket?: new (url: string) => WebSocket
}

/** Why `connect()` failed: the server's error code (or `connect_timeout` / `connection_closed`) and what to do next. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError'
  readonly action: CloseAction
  constructor(
    readonly code: string,
    message: string,
    readonly closeCode: number | null,
  ) {
    super(message)
    this.action = closeCode === null ? 'reconnect' : closeAction(closeCode)
  }
}

/**
 * Opens a socket to `url`, sends the `auth` frame and resolves with a joined SignalingClient once the server
 * replies. Attach listeners right after `await`: no frame is dispatched before then. Rejects with ConnectError.
 */
export function connect(opts: ConnectOptions): Promise<SignalingClient> {
  const { url, token, userName, heartbeatMs = 30_000, timeoutMs = 10_000 } = opts
  const Ws = opts.WebSocket ?? globalThis.WebSocket
  return new Promise((resolve, reject) => {
    const socket = new Ws(url)
    let lastError: { code: string; error: string } | null = null
    const timer = setTimeout(() => {
      socket.onmessage = null
      socket.onclose = null
      socket.close(1000)
      reject(new ConnectError('connect_timeout', `no auth reply within ${timeoutMs} ms`, null))
    }, timeoutMs)
    socket.onopen = () => {
      const auth: ClientMessage = { type: 'auth', data: userName ? { token, userName } : { token } }
      socket.send(JSON.stringify({ ...auth, timestamp: Date.now() }))
    }
    socket.onmessage = (ev) => {
      const parsed = parseServerFrame(ev.data)
      if (!parsed.ok) return
      const msg = parsed.value
      if (msg.type === 'error') lastError = msg.data
      if (msg.type !== 'auth') return
      clearTimeout(timer)
      socket.onopen = null
      resolve(new SignalingClient(socket, msg, heartbeatMs))
    }
    // A refused upgrade or network failure fires `error` then `close` (1006); `close` alone decides.
    socket.onerror = () => undefined
    socket.onclose = (ev) => {
      clearTimeout(timer)
      const message = lastError?.error ?? `socket closed before authentication (${ev.code})`
      reject(new ConnectError(lastError?.code ?? 'connection_closed', message, ev.code))
    }
  })
}
