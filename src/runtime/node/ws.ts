/** @module Our own `ws` server with limits, and protocol-level ping/pong that terminates dead sockets. */
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws'

/** What a socket's events go to once the app accepted it (the upgrade adapter's per-socket object). */
export interface SocketHandlers {
  received(data: Buffer, isBinary: boolean): void
  closed(code: number, reason: Buffer): void
  failed(err: Error): void
}

/**
 * ws's WebSocket, with its events handed to one per-socket object instead of EventEmitter listeners: an emitter's
 * listener table is a dictionary-mode object (EventEmitter makes it with a null prototype), 256 B per idle peer
 * with our three listeners and the pinger's one; the pinger's flag is a field, not a property added later. Heap per
 * idle peer in docs/performance.md ("Round two, 2026-12-07"). The server tracks open sockets itself (`OpenSockets`)
 * for the same reason: ws's `clientTracking` adds a close listener, and so that table, to every socket. Anything
 * else still goes through the emitter.
 */
export class AppSocket extends WebSocket {
  handlers: SocketHandlers | null = null
  /** Answered the last protocol ping. */
  alive = true
  /** The open sockets this one is in until it closes. */
  openSet: OpenSockets | null = null

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const h = this.handlers
    if (event === 'pong') {
      this.alive = true
      return true
    }
    if (h !== null) {
      if (event === 'message') {
        h.received(args[0] as Buffer, args[1] as boolean)
        return true
      }
      if (event === 'error') {
        h.failed(args[0] as Error)
        return true
      }
      if (event === 'close') h.closed(args[0] as number, args[1] as Buffer)
    }
    if (event === 'close') this.openSet?.delete(this)
    return super.emit(event, ...args)
  }
}

/** The server's open sockets (what ws's `wss.clients` would be): in from the upgrade, out at the socket's close. */
export class OpenSockets extends Set<AppSocket> {
  track(ws: AppSocket) {
    ws.openSet = this
    this.add(ws)
  }
}

export function createWsServer(opts: { maxPayload: number }) {
  // ws >= 8.21 reads these three; @types/ws does not list them yet.
  const hardening = { maxFragments: 64, maxBufferedChunks: 1024, closeTimeout: 2000 }
  const options: ServerOptions = { noServer: true, clientTracking: false, maxPayload: opts.maxPayload, perMessageDeflate: false, WebSocket: AppSocket, ...hardening }
  return new WebSocketServer(options)
}

/** Pings every open socket each interval; one that did not answer the previous ping is terminated. */
export function startPinging(open: OpenSockets, intervalMs: number) {
  const timer = setInterval(() => {
    for (const ws of open) {
      if (!ws.alive) {
        ws.terminate()
        continue
      }
      ws.alive = false
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
