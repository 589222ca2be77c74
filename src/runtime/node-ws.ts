/**
 * @module The Node transport around @hono/node-server: our own `ws` server with limits, protocol-level
 * ping/pong that terminates dead sockets, and a guard for upgrade requests the adapter would leave hanging.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'

/** How long an upgrade may take from request to handshake before its socket is destroyed. */
const UPGRADE_TIMEOUT_MS = 10_000

export function createWsServer(opts: { maxPayload: number }) {
  // ws >= 8.21 reads these three; @types/ws does not list them yet.
  const hardening = { maxFragments: 64, maxBufferedChunks: 1024, closeTimeout: 2000 }
  const options: ServerOptions = { noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, ...hardening }
  return new WebSocketServer(options)
}

/**
 * Wraps the adapter's `upgrade` listener. @hono/node-server returns early, without answering, when
 * `Upgrade` is not `websocket` (measured: the socket stayed open 150 s); we answer 400 and close.
 * It also only rejects refused upgrades while it is the sole listener, so we replace it rather than add one.
 */
export function guardUpgrades(server: Server, wss: WebSocketServer) {
  const inner = server.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[]
  server.removeAllListeners('upgrade')
  const upgraded = new WeakSet<IncomingMessage>()
  wss.on('connection', (_ws: WebSocket, req: IncomingMessage) => upgraded.add(req))
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      const body = JSON.stringify({ error: 'Only WebSocket upgrades are supported', code: 'upgrade_required' })
      socket.on('error', () => undefined)
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      setTimeout(() => socket.destroy(), 1000).unref()
      return
    }
    const timer = setTimeout(() => {
      if (!upgraded.has(req)) socket.destroy()
    }, UPGRADE_TIMEOUT_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
    for (const listener of inner) listener.call(server, req, socket, head)
  })
}

/** Pings every socket each interval; one that did not answer the previous ping is terminated. */
export function startPinging(wss: WebSocketServer, intervalMs: number) {
  const alive = new WeakMap<WebSocket, boolean>()
  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
  })
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      try {
        ws.ping()
      } catch {
        ws.terminate()
      }
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
