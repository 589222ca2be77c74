/**
 * @module Node's HTTP listeners against slow and half-open connections (issue 9 finding 4). Self-contained, so that it
 * can move with the Node runtime files.
 *
 * - Timeouts: Node enforces `headersTimeout` and `requestTimeout` from a sweep that runs every 30 s by default, so an
 *   idle connection, headers trickled at 1 B/s or a half-sent upgrade lived 23-33 s against a 10 s setting. The sweep
 *   runs every second here.
 * - Pending connections: a TCP connection counts from accept until it becomes a WebSocket (ws's `connection` event) or
 *   closes. Past MAX_PENDING_CONNECTIONS in total, or MAX_PENDING_CONNECTIONS_PER_IP from one address, a new connection
 *   is answered 503 / 429 and closed before any request is read. Behind a proxy (TRUST_PROXY > 0) every connection
 *   comes from the proxy, so only the total applies here; the core caps pending sockets per client address.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from 'node:http'
import type { Socket } from 'node:net'
import type { WebSocketServer } from 'ws'
import { errorBody, ERRORS, type ErrorCode } from '../../errors.js'

export interface HttpGuardOptions {
  headersTimeoutMs: number
  requestTimeoutMs: number
  maxPending: number
  maxPendingPerIp: number
  /** False behind a proxy: the TCP peer is the proxy, not the client. */
  perAddress: boolean
}

/** How often Node's sweep enforces the two timeouts (its default is 30 s). */
const CHECK_INTERVAL_MS = 1000

/** Options for `http.createServer`. */
export const guardedServerOptions = (o: HttpGuardOptions): ServerOptions => ({
  headersTimeout: o.headersTimeoutMs,
  requestTimeout: o.requestTimeoutMs,
  connectionsCheckingInterval: CHECK_INTERVAL_MS,
})

const peerOf = (socket: Socket) => (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')

function refuse(socket: Socket, code: ErrorCode) {
  const body = JSON.stringify(errorBody(code))
  const status = ERRORS[code].status
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Content-Type: application/json; charset=UTF-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Retry-After: 1', 'Connection: close']
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`)
}

/** Counts pending connections over every listener of one instance and refuses those over the caps. */
export function createConnectionGuard(wss: WebSocketServer, o: HttpGuardOptions) {
  const pending = new Set<Socket>()
  const perIp = new Map<string, number>()
  const release = (socket: Socket) => {
    if (!pending.delete(socket)) return
    // Off the socket for good: a `once` wrapper and a closure per socket stayed on every WebSocket for its whole life
    // (about 160 B of heap per idle peer, `npx tsx test/bench/heap.ts`).
    socket.off('close', onPendingClose)
    const ip = peerOf(socket)
    const n = (perIp.get(ip) ?? 1) - 1
    if (n <= 0) perIp.delete(ip)
    else perIp.set(ip, n)
  }
  function onPendingClose(this: Socket) {
    release(this)
  }
  // The upgrade is complete: the socket is a WebSocket now, under the core's own caps.
  wss.on('connection', (_ws: unknown, req: IncomingMessage) => release(req.socket as Socket))

  function onConnection(socket: Socket) {
    const ip = peerOf(socket)
    if (pending.size >= o.maxPending) return refuse(socket, 'server_busy')
    if (o.perAddress && (perIp.get(ip) ?? 0) >= o.maxPendingPerIp) return refuse(socket, 'too_many_pending')
    pending.add(socket)
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
    socket.on('close', onPendingClose)
  }

  return {
    /** Guards one listener. */
    attach(server: Server) {
      server.on('connection', onConnection)
    },
    get pending() {
      return pending.size
    },
  }
}
