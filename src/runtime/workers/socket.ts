/**
 * @module Hono's `upgradeWebSocket` over the WebSocket Hibernation API. The object accepts the socket with
 * `ctx.acceptWebSocket`; its events then arrive as the object's own methods (webSocketMessage, webSocketClose), which
 * look the socket up in a `HibernatingSockets` table and call the app's handlers. What a socket is (its address, the
 * room on its URL, and once joined its peer record) is kept in its attachment, so a woken object can rebuild it.
 */
import type { Context } from 'hono'
import type { ConnInfo } from 'hono/conninfo'
import { defineWebSocketHelper, WSContext, type WSEvents, type WSReadyState } from 'hono/ws'
import type { SocketPort } from '../../signaling/connection.js'
import { roomOfUrl } from '../../signaling/route.js'
import { PeerRecordSchema, type PeerRecord } from '../../storage/records.js'
import { RawSocketPort } from '../socket-port.js'
import { socketPair, switchingProtocols, type CfWebSocket } from './platform.js'

/** What a socket's attachment holds. */
export interface SocketAttachment {
  ip: string | null
  urlRoom: string | null
  /** Set once the socket joined its room: who it is, to rebuild the roster after hibernation. */
  peer: PeerRecord | null
}

/** Reads an attachment back; anything unexpected reads as a socket that never joined. */
export function readAttachment(ws: CfWebSocket): SocketAttachment {
  const a = (ws.deserializeAttachment() ?? {}) as Partial<Record<keyof SocketAttachment, unknown>>
  const peer = PeerRecordSchema.safeParse(a.peer)
  return { ip: typeof a.ip === 'string' ? a.ip : null, urlRoom: typeof a.urlRoom === 'string' ? a.urlRoom : null, peer: peer.success ? peer.data : null }
}

/** One accepted socket: the WSContext the app sees, and the handlers the object's events go to. */
export class WorkersSocket {
  readonly ctx: WSContext<WorkersSocket>
  constructor(
    readonly ws: CfWebSocket,
    public events: WSEvents<WorkersSocket>,
  ) {
    this.ctx = new WSContext<WorkersSocket>(this)
  }
  get raw(): WorkersSocket {
    return this
  }
  get readyState(): WSReadyState {
    return this.ws.readyState as WSReadyState
  }
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>) {
    this.ws.send(typeof data === 'string' || data instanceof ArrayBuffer ? data : data.slice().buffer)
  }
  close(code?: number, reason?: string) {
    try {
      this.ws.close(code, reason)
    } catch {
      // Already closed; workerd throws where the other runtimes ignore it.
    }
  }
  /** workerd has no close without a handshake: a consumer cut off gets 4008. */
  terminate() {
    this.close(4008, 'slow consumer')
  }
  /** workerd does not expose it: slow consumers are not detected there. */
  get bufferedAmount(): number {
    return 0
  }
}

/** The object's table of live sockets, by the platform's socket object (stable for a socket's life in one object). */
export class HibernatingSockets {
  private readonly byWs = new Map<CfWebSocket, WorkersSocket>()
  constructor(private readonly accept: (ws: CfWebSocket) => void) {}

  /** Accepts the server end of a new socket for the app's handlers. */
  add(ws: CfWebSocket, events: WSEvents<WorkersSocket>, attachment: SocketAttachment): WorkersSocket {
    ws.serializeAttachment(attachment)
    this.accept(ws)
    return this.adopt(ws, events)
  }

  /** A socket the object holds already (after a wake), with handlers rebuilt for it. */
  adopt(ws: CfWebSocket, events: WSEvents<WorkersSocket>): WorkersSocket {
    const socket = new WorkersSocket(ws, events)
    this.byWs.set(ws, socket)
    return socket
  }

  get(ws: CfWebSocket): WorkersSocket | undefined {
    return this.byWs.get(ws)
  }

  delete(ws: CfWebSocket) {
    this.byWs.delete(ws)
  }
}

/** The TCP peer as Cloudflare reports it. TRUST_PROXY does not apply: the edge sets this header itself. */
export function getConnInfo(c: Context): ConnInfo {
  const address = c.req.header('cf-connecting-ip')
  return { remote: address ? { address, addressType: address.includes(':') ? 'IPv6' : 'IPv4' } : {} }
}

/** `c.env` of a request the object's app serves. */
export interface ObjectEnv {
  sockets: HibernatingSockets
}

/** Hono's `upgradeWebSocket` inside a room object: the socket is accepted for hibernation, not held by the isolate. */
export const upgradeWebSocket = defineWebSocketHelper<WorkersSocket>((c, events) => {
  const env = c.env as Partial<ObjectEnv> | undefined
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket' || !env?.sockets) return
  const [client, server] = socketPair()
  const socket = env.sockets.add(server, events, { ip: getConnInfo(c).remote.address ?? null, urlRoom: roomOfUrl(new URL(c.req.url)) ?? null, peer: null })
  // workerd never fires an open event for an accepted socket: the app's handlers register it on open or first frame.
  events.onOpen?.(new Event('open'), socket.ctx)
  return switchingProtocols(client)
})

/** The core's view of a socket on workerd, which also keeps who the socket is for a woken object. */
export class WorkersSocketPort extends RawSocketPort<WorkersSocket> {
  /** Keeps who the socket is in its attachment, for the roster a woken object rebuilds. */
  identify(peer: PeerRecord) {
    const ws = this.ws.raw!.ws
    ws.serializeAttachment({ ...readAttachment(ws), peer })
  }
}

/** The runtime's socket port factory (AppDeps.socketPort). */
export const socketPort = (ws: WSContext): SocketPort => new WorkersSocketPort(ws as WSContext<WorkersSocket>)
