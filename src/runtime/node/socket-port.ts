/** @module The Node adapter's socket port: `ws` sockets have `terminate` and a `bufferedAmount` property. */
import type { WSContext } from 'hono/ws'
import type { WebSocket } from 'ws'
import type { SocketPort } from '../../signaling/connection.js'
import { RawSocketPort } from '../socket-port.js'

/** The runtime's socket port factory (AppDeps.socketPort). */
export const socketPort = (ws: WSContext): SocketPort => new RawSocketPort(ws as WSContext<WebSocket>)
