/**
 * @module The WebSocket endpoint: admission checks before the upgrade (the room on the URL, draining, Origin, memory,
 * capacity, per-IP), then the runtime's upgradeWebSocket wired to the sessions.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { WSContext, WSEvents } from 'hono/ws'
import type { Config } from '../config.js'
import { httpError, type ErrorCode } from '../errors.js'
import type { Logger } from '../lib/logger.js'
import type { AppDeps } from '../env.js'
import { isId } from '../protocol/rules.js'
import type { Connection } from './connection.js'
import type { Signaling } from './core.js'

const WS_ROOM_PATH = /^\/ws\/([^/]*)$/

/** A path segment decoded; a malformed escape is kept as it is (and then fails the id check). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The room an upgrade URL names: `/ws/<id>` or `?room=<id>` (on any WebSocket path); null when it names none,
 * undefined when it is invalid (not an id, or two different rooms).
 */
export function roomOfUrl(url: URL): string | null | undefined {
  const inPath = WS_ROOM_PATH.exec(url.pathname)?.[1]
  const inQuery = url.searchParams.get('room') ?? undefined
  const room = inPath === undefined ? inQuery : decoded(inPath)
  if (room === undefined) return null
  if (inPath !== undefined && inQuery !== undefined && room !== inQuery) return undefined
  return isId(room) ? room : undefined
}

/** Whether a browser Origin may open a socket. Native clients send no Origin and are let through. */
export function originAllowed(config: Config, origin: string | undefined): boolean {
  if (!origin || config.corsOrigins === '*') return true
  return config.corsOrigins.includes(origin)
}

export interface WsRouteDeps {
  config: Config
  signaling: Signaling
  logger: Logger
  upgradeWebSocket: AppDeps['upgradeWebSocket']
  socketPort: AppDeps['socketPort']
  ipOf: (c: Context) => string | null
  isDraining: () => boolean
  isMemoryCritical: () => boolean
}

/** Returns [admission middleware, upgrade handler] for a WebSocket route. */
export function websocketHandlers(d: WsRouteDeps): [MiddlewareHandler, MiddlewareHandler] {
  const refuse = (code: ErrorCode): never => {
    throw httpError(code)
  }
  const admit: MiddlewareHandler = async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') refuse('upgrade_required')
    if (roomOfUrl(new URL(c.req.url)) === undefined) refuse('invalid_room')
    if (d.isDraining()) refuse('draining')
    if (!originAllowed(d.config, c.req.header('origin'))) refuse('origin_not_allowed')
    if (d.isMemoryCritical()) refuse('memory_critical')
    if (d.signaling.registry.size >= d.config.ws.maxConnections) refuse('server_full')
    const ip = d.ipOf(c)
    if (ip && d.signaling.registry.from(ip) >= d.config.ws.maxConnectionsPerIp) refuse('too_many_connections')
    const refusal = d.signaling.admission.check(ip)
    if (refusal) throw httpError(refusal.code, refusal.retryAfterS === undefined ? undefined : { 'retry-after': String(refusal.retryAfterS) })
    await next()
  }

  const upgrade = d.upgradeWebSocket((c) => {
    const ip = d.ipOf(c)
    const room = roomOfUrl(new URL(c.req.url)) ?? null
    return connectionEvents(d, (ws) => d.signaling.lifecycle.open(d.socketPort(ws), ip, room))
  })
  return [admit, upgrade]
}

/**
 * The WebSocket events of one socket. `open` registers it on its first event (Workers never fires onOpen, so the
 * first message does it); a socket rebuilt after a Durable Object woke passes its connection as `restored`.
 *
 * One object with prototype methods, not four closures over a shared scope: about 350 B less heap per idle peer
 * (`npx tsx test/bench/heap.ts`). Runtimes call the handlers as methods (`events.onMessage(...)`).
 */
class ConnectionEvents implements WSEvents {
  private conn: Connection | null
  private open: ((ws: WSContext) => Connection) | null

  constructor(
    private readonly d: { signaling: Signaling; logger: Logger },
    open: (ws: WSContext) => Connection,
    restored: Connection | null,
  ) {
    this.conn = restored
    this.open = restored ? null : open
  }

  private ensure(ws: WSContext): Connection {
    if (!this.conn) {
      this.conn = this.open!(ws)
      // The opener's scope (address, room) is not needed past the first event.
      this.open = null
    }
    return this.conn
  }

  onOpen(_evt: Event, ws: WSContext) {
    this.ensure(ws)
  }

  onMessage(evt: MessageEvent, ws: WSContext) {
    try {
      this.d.signaling.inbound.message(this.ensure(ws), evt.data)
    } catch (err) {
      this.d.logger.error('message handler failed', { err })
      if (this.conn) this.d.signaling.out.close(this.conn, 'internal_error')
    }
  }

  onClose(evt: CloseEvent) {
    // 1006: the socket ended without a closing handshake (a dropped network): its peer may be held for a resume.
    if (this.conn) this.d.signaling.lifecycle.closed(this.conn, (evt as CloseEvent | undefined)?.code)
  }

  onError(evt: Event) {
    if (this.conn) this.d.signaling.lifecycle.failed(this.conn)
    this.d.logger.debug('socket error', { error: String((evt as ErrorEvent).error ?? 'unknown') })
  }
}

export function connectionEvents(d: { signaling: Signaling; logger: Logger }, open: (ws: WSContext) => Connection, restored: Connection | null = null): WSEvents {
  return new ConnectionEvents(d, open, restored)
}
