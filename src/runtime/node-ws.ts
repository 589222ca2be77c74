/** @module Our own `ws` server with limits, and protocol-level ping/pong that terminates dead sockets. */
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'

export function createWsServer(opts: { maxPayload: number }) {
  // ws >= 8.21 reads these three; @types/ws does not list them yet.
  const hardening = { maxFragments: 64, maxBufferedChunks: 1024, closeTimeout: 2000 }
  const options: ServerOptions = { noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, ...hardening }
  return new WebSocketServer(options)
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
