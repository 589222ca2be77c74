/** @module The core's view of one `ws` socket on Node (SocketPort): `ws` has `terminate` and a `bufferedAmount` property. */
import type { WSContext } from 'hono/ws'
import type { WebSocket } from 'ws'
import type { SocketPort } from '../../signaling/connection.js'

const OPEN = 1

/** A class rather than five closures per socket: idle peers are most of our memory. */
export class NodeSocketPort implements SocketPort {
  constructor(private readonly ws: WSContext<WebSocket>) {}
  send(frame: string) {
    this.ws.send(frame)
  }
  close(code: number, reason: string) {
    this.ws.close(code, reason)
  }
  terminate() {
    this.ws.raw?.terminate()
  }
  bufferedAmount() {
    return this.ws.raw?.bufferedAmount ?? 0
  }
  isOpen() {
    return this.ws.readyState === OPEN
  }
}

/** The runtime's socket port factory (AppDeps.socketPort). */
export const socketPort = (ws: WSContext): SocketPort => new NodeSocketPort(ws as WSContext<WebSocket>)
