/** @module The Bun adapter's socket port: our BunSocket, whose buffered amount counts its own queue too. */
import type { WSContext } from 'hono/ws'
import type { SocketPort } from '../../signaling/connection.js'
import { RawSocketPort } from '../socket-port.js'
import type { BunSocket } from './socket.js'

/** The runtime's socket port factory (AppDeps.socketPort). */
export const socketPort = (ws: WSContext): SocketPort => new RawSocketPort(ws as WSContext<BunSocket>)
