/** @module Our own `ws` server with limits, and protocol-level ping/pong that terminates dead sockets. */
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'

export function createWsServer(opts: { maxPayload: number }) {
  // ws >= 8.21 reads these three; @types/ws does not list them yet.
  const hardening = { maxFragments: 64, maxBufferedChunks: 1024, closeTimeout: 2000 }
  const options: ServerOptions = { noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, ...hardening }
  return new WebSocketServer(options)
}

const ALIVE = Symbol('alive')
type Pinged = WebSocket & { [ALIVE]?: boolean }

/** Shared by every socket (EventEmitter calls it with `this` = the socket): no closure per peer. */
function onPong(this: Pinged) {
  this[ALIVE] = true
}

/** Pings every socket each interval; one that did not answer the previous ping is terminated. */
export function startPinging(wss: WebSocketServer, intervalMs: number) {
  wss.on('connection', (ws: Pinged) => {
    ws[ALIVE] = true
    ws.on('pong', onPong)
  })
  const timer = setInterval(() => {
    for (const ws of wss.clients as Set<Pinged>) {
      if (ws[ALIVE] === false) {
        ws.terminate()
        continue
      }
      ws[ALIVE] = false
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
