/**
 * @module Node WebSocket upgrades for Hono's `upgradeWebSocket` contract, over our own `ws` server.
 *
 * Why not @hono/node-server's built-in helper: it keeps the upgrade request, its Hono context and URL
 * alive for the socket's whole life, builds a MessageEvent and copies the Buffer for every frame, answers
 * refused upgrades without a body, and leaves non-WebSocket upgrades hanging. Measured with
 * `npm run bench -- --quick` before this adapter: 35 KB RSS and 15 KB heap per idle peer (bare ws: 11 and 3).
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { defineWebSocketHelper, WSContext, type WSEvents, type WSReadyState } from 'hono/ws'
import type { WebSocket, WebSocketServer } from 'ws'
import { errorResponse, nonWebSocketUpgrade } from '../../errors.js'
import type { AppSocket, OpenSockets, SocketHandlers } from './ws.js'

/** How long an upgrade may take from request to handshake before its socket is destroyed. */
const UPGRADE_TIMEOUT_MS = 10_000
const ACCEPTED = Symbol('accepted')

/** The `c.env` our upgrade requests carry: `incoming` is what getConnInfo reads. */
interface UpgradeEnv {
  incoming: IncomingMessage
  [ACCEPTED]?: WSEvents<WebSocket>
}

/** Marks the request as accepted; the upgrade handler completes the handshake after the app answered. */
export const upgradeWebSocket = defineWebSocketHelper<WebSocket>(async (c, events) => {
  const env = c.env as Partial<UpgradeEnv> | undefined
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket' || !env?.incoming) return
  env[ACCEPTED] = events
  return new Response(null)
})

type Fetch = (request: Request, env: UpgradeEnv) => Response | Promise<Response>

const HOP_BY_HOP = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade'])

async function refuse(socket: Duplex, res: Response) {
  const body = await res.text().catch(() => '')
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`]
  res.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) lines.push(`${name}: ${value}`)
  })
  if (!socket.destroyed) socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}

const headerText = (value: string | string[] | undefined) => (value === undefined ? null : Array.isArray(value) ? value.join(', ') : value)

/** The read side of `Headers` over Node's parsed headers (lower-case names), with nothing copied. */
class UpgradeHeaders {
  constructor(private readonly raw: IncomingMessage['headers']) {}
  get(name: string): string | null {
    return headerText(this.raw[name.toLowerCase()])
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined
  }
  forEach(fn: (value: string, name: string) => void) {
    for (const name of Object.keys(this.raw)) {
      const value = headerText(this.raw[name])
      if (value !== null) fn(value, name)
    }
  }
}

/**
 * What Hono reads of an upgrade request (method, url, headers.get/has/forEach): a GET has no body, and nothing on
 * the upgrade path reads a signal or clones. An undici `Request` with its `Headers` copy and `AbortSignal` cost
 * about 45 µs of a handshake's CPU (`test/bench/profile.ts --phase=handshakes`; A/B in docs/performance.md).
 */
function toRequest(req: IncomingMessage): Request {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`).href
  return { method: req.method ?? 'GET', url, headers: new UpgradeHeaders(req.headers) } as unknown as Request
}

type TcpSocket = { cork(): void; uncork(): void }

/** Runs on the tick after a socket's first send: one TCP write for everything sent in that tick. */
function uncork(port: SocketInit) {
  port.corked = false
  port.tcp?.uncork()
}

/**
 * The WSContext init for one `ws` socket, and the handler of its events (AppSocket hands them here). A class, not an
 * object literal: a literal with a getter is kept in V8's dictionary mode, a 448-byte property store per idle peer
 * (heap snapshot, `npm run bench`).
 *
 * `send` batches one socket's writes within a tick into one TCP write: an offer is followed by a burst of
 * ICE candidates. Measured in the storm benchmark: writev 37 -> 6.8 µs per relayed signal.
 * `_socket` is ws's own field; without it we just send.
 *
 * Frames reach the app as `{ data }`: our handlers read only `data`, and a MessageEvent per frame costs.
 */
class SocketInit implements SocketHandlers {
  readonly tcp: TcpSocket | undefined
  readonly protocol: string
  corked = false
  readonly ctx: WSContext<WebSocket>
  constructor(
    readonly raw: AppSocket,
    private readonly events: WSEvents<WebSocket>,
    private readonly onError: (err: unknown) => void,
  ) {
    const tcp = (raw as unknown as { _socket?: TcpSocket })._socket
    this.tcp = tcp && typeof tcp.cork === 'function' ? tcp : undefined
    this.protocol = raw.protocol
    this.ctx = new WSContext<WebSocket>(this)
  }
  get readyState(): WSReadyState {
    return this.raw.readyState as WSReadyState
  }
  send(data: string | ArrayBuffer | Uint8Array) {
    if (!this.corked && this.tcp) {
      this.corked = true
      this.tcp.cork()
      process.nextTick(uncork, this)
    }
    this.raw.send(data)
  }
  close(code?: number, reason?: string) {
    this.raw.close(code, reason)
  }
  received(data: Buffer, isBinary: boolean) {
    try {
      this.events.onMessage?.({ data: isBinary ? new Uint8Array(data).buffer : data.toString() } as MessageEvent, this.ctx)
    } catch (err) {
      this.onError(err)
    }
  }
  closed(code: number, reason: Buffer) {
    try {
      this.events.onClose?.({ code, reason: reason.toString() } as CloseEvent, this.ctx)
    } catch (err) {
      this.onError(err)
    }
  }
  failed(error: Error) {
    try {
      this.events.onError?.({ type: 'error', error } as unknown as Event, this.ctx)
    } catch (err) {
      this.onError(err)
    }
  }
}

/** Hands the socket's events to its SocketInit and tells the app it is open. */
function wire(ws: AppSocket, events: WSEvents<WebSocket>, onError: (err: unknown) => void) {
  const init = new SocketInit(ws, events, onError)
  ws.handlers = init
  try {
    events.onOpen?.(new Event('open'), init.ctx)
  } catch (err) {
    onError(err)
  }
}

const ignore = () => undefined

/**
 * Destroys the socket if the upgrade takes too long; the returned function disarms it. Its own scope, so
 * that the socket's listeners do not keep the upgrade request, its headers and `head` alive for the
 * socket's whole life (heap snapshot: one IncomingMessage per idle peer; 50k-peer RSS estimate 650 -> 444 MB).
 */
function armUpgradeTimeout(socket: Duplex): () => void {
  const timer = setTimeout(() => socket.destroy(), UPGRADE_TIMEOUT_MS)
  timer.unref()
  const disarm = () => {
    clearTimeout(timer)
    socket.off('close', disarm)
  }
  socket.once('close', disarm)
  return disarm
}

/**
 * Handles every `upgrade` on `server`: non-WebSocket upgrades get 400; the rest go through the app
 * (admission middleware, then `upgradeWebSocket`); refused ones get the app's status and JSON body.
 */
export function handleUpgrades(server: Server, wss: WebSocketServer, open: OpenSockets, fetch: Fetch, onError: (err: unknown) => void) {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignore)
    const disarm = armUpgradeTimeout(socket)
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      void refuse(socket, nonWebSocketUpgrade())
      return
    }
    void admit(req, socket, head, disarm)
  })

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer, disarm: () => void) {
    const env: UpgradeEnv = { incoming: req }
    let res: Response
    try {
      res = await fetch(toRequest(req), env)
    } catch (err) {
      onError(err)
      res = errorResponse('upgrade_required', { status: 400, message: 'Bad upgrade request' })
    }
    const events = env[ACCEPTED]
    if (!events) return refuse(socket, res)
    if (socket.destroyed) return
    wss.handleUpgrade(req, socket, head, (ws) => {
      disarm()
      open.track(ws as AppSocket)
      wss.emit('connection', ws, req)
      wire(ws as AppSocket, events, onError)
    })
  }
}
