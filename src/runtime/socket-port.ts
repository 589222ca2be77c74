/**
 * @module The core's view of one runtime socket (SocketPort), over the socket each adapter puts in `WSContext.raw`:
 * `ws`'s WebSocket on Node, our BunSocket on Bun, our WorkersSocket on workerd. All three have `terminate()` and a
 * `bufferedAmount`.
 */
import type { WSContext } from 'hono/ws'
import type { SocketPort } from '../signaling/connection.js'

export interface RawSocket {
  terminate(): void
  readonly bufferedAmount: number
}

const OPEN = 1

/** A class rather than five closures per socket: idle peers are most of our memory. */
export class RawSocketPort<R extends RawSocket = RawSocket> implements SocketPort {
  constructor(protected readonly ws: WSContext<R>) {}
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
