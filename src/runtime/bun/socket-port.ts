/** @module The core's view of one Bun socket (SocketPort): our BunSocket, whose buffered amount counts its own queue too. */
import type { WSContext } from 'hono/ws'
import type { SocketPort } from '../../signaling/connection.js'
import type { BunSocket } from './socket.js'

const OPEN = 1

/** A class rather than five closures per socket: idle peers are most of our memory. */
export class BunSocketPort implements SocketPort {
  constructor(private readonly ws: WSContext<BunSocket>) {}
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
    return this.ws.raw?.getBufferedAmount() ?? 0
  }
  isOpen() {
    return this.ws.readyState === OPEN
  }
}

/** The runtime's socket port factory (AppDeps.socketPort). */
export const socketPort = (ws: WSContext): SocketPort => new BunSocketPort(ws as WSContext<BunSocket>)
