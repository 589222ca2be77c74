/**
 * @module Bun WebSocket upgrades for Hono's `upgradeWebSocket` contract, over Bun.serve's ServerWebSocket.
 *
 * Why not hono/bun: it builds a WSContext (whose constructor runs `new URL`, 1.5 µs) and a MessageEvent
 * (2.6 µs) for every frame; its `readyState` is a copy taken when that context was made, so a closed socket
 * still looked open; its raw socket has no `bufferedAmount`, so slow consumers were never closed on Bun; and
 * every relayed frame was its own socket write (storm profile: native `send` 30.9 of about 35 µs per signal).
 */
import type { Context } from 'hono'
import type { ConnInfo } from 'hono/conninfo'
import { defineWebSocketHelper, type WSEvents } from 'hono/ws'
import { errorResponse, nonWebSocketUpgrade } from '../../errors.js'
import { BunSocket, WriteBatch, type ServerWebSocket } from './socket.js'

/** What we use of Bun's Server, which Bun passes to `fetch` as its second argument (Hono's `c.env`). */
export interface BunServer {
  upgrade(request: Request, options: { data: BunSocket }): boolean
  requestIP(request: Request): { address: string; family: string; port: number } | null
}

/** Bun's default backpressureLimit, past which `send` silently drops. */
const BUN_BACKPRESSURE_LIMIT = 16 * 1024 * 1024

/** The TCP peer of the request, as Bun.serve saw it. */
export function getConnInfo(c: Context): ConnInfo {
  const info = (c.env as BunServer).requestIP(c.req.raw)
  if (!info) return { remote: {} }
  return { remote: { address: info.address, port: info.port, addressType: info.family === 'IPv6' ? 'IPv6' : 'IPv4' } }
}

/** Answers a non-WebSocket `Upgrade:` (h2c, ...) with 400 and closes, as the Node entry does; the rest goes to `fetch`. */
export function refuseOtherUpgrades<E>(fetch: (request: Request, env: E) => Response | Promise<Response>) {
  return (request: Request, env: E): Response | Promise<Response> => {
    const upgrade = request.headers.get('upgrade')
    if (upgrade !== null && upgrade.toLowerCase() !== 'websocket') return nonWebSocketUpgrade({ connection: 'close' })
    return fetch(request, env)
  }
}

export interface BunWebSocketOptions {
  maxPayloadLength: number
  /** The slow-consumer limit (MAX_BUFFERED_BYTES): Bun must not drop frames before we close at it. */
  maxBufferedBytes: number
  onError: (err: unknown) => void
}

/** One write batch per process: every socket's writes of an event-loop turn go out together. */
const batch = new WriteBatch()

/** Hono's `upgradeWebSocket` on Bun.serve (c.env is Bun's Server). */
export const upgradeWebSocket = defineWebSocketHelper<BunSocket>((c, events: WSEvents<BunSocket>) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return
  const protocol = c.req.header('sec-websocket-protocol')?.split(',')[0]?.trim() ?? ''
  const data = new BunSocket(events, protocol, batch)
  if ((c.env as BunServer).upgrade(c.req.raw, { data })) return new Response(null)
  // No Sec-WebSocket-Key and the like (a wrong Sec-WebSocket-Version Bun answers itself, with 426).
  return errorResponse('upgrade_required', { status: 400, message: 'Invalid WebSocket handshake', headers: { connection: 'close' } })
})

/** The `websocket` handlers for Bun.serve, for sockets that `upgradeWebSocket` accepted. */
export function websocketHandlers(o: BunWebSocketOptions) {
  // Handlers are called as methods of their events object (ours keep their state on it).
  const guard = <E>(handler: ((evt: E, ws: BunSocket['ctx']) => void) | undefined, evt: E, socket: BunSocket) => {
    try {
      handler?.call(socket.events, evt, socket.ctx)
    } catch (err) {
      o.onError(err)
    }
  }
  return {
    maxPayloadLength: o.maxPayloadLength,
    perMessageDeflate: false,
    // Our check (Outbound.send) closes at maxBufferedBytes; one frame may go past it before that.
    backpressureLimit: Math.max(BUN_BACKPRESSURE_LIMIT, o.maxBufferedBytes + 2 * o.maxPayloadLength),
    open(ws: ServerWebSocket) {
      const socket = ws.data
      socket.socket = ws
      guard(socket.events.onOpen, new Event('open'), socket)
    },
    /** Frames reach the app as `{ data }`: our handlers read only `data`, and a MessageEvent per frame costs 2.6 µs. */
    message(ws: ServerWebSocket, message: string | Uint8Array<ArrayBuffer>) {
      const data = typeof message === 'string' ? message : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength)
      guard(ws.data.events.onMessage, { data } as MessageEvent, ws.data)
    },
    /**
     * Bun runs this synchronously inside `close()`/`terminate()`, so a session would be torn down in the
     * middle of the hub call that closed it (on Node the close event comes later). Deferred to keep Node's order.
     */
    close(ws: ServerWebSocket, code: number, reason: string) {
      const socket = ws.data
      queueMicrotask(() => {
        // Bun reports a protocol violation (frame too big, invalid UTF-8) as 1006 with its reason and no error event;
        // a dropped network is 1006 without one. The app tells them apart by the error event, as on Node.
        if (code === 1006 && reason !== '') guard(socket.events.onError, new ErrorEvent('error', { message: reason, error: new Error(reason) }), socket)
        guard(socket.events.onClose, { code, reason } as CloseEvent, socket)
      })
    },
  }
}

export type BunWebSocketHandler = ReturnType<typeof websocketHandlers>
