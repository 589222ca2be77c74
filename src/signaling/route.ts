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
 */
export function connectionEvents(d: { signaling: Signaling; logger: Logger }, open: (ws: WSContext) => Connection, restored: Connection | null = null): WSEvents {
  const { lifecycle, inbound, out } = d.signaling
  let conn = restored
  const ensure = (ws: WSContext) => (conn ??= open(ws))
  return {
    onOpen: (_evt, ws) => {
      ensure(ws)
    },
    onMessage: (evt, ws) => {
      try {
        inbound.message(ensure(ws), evt.data)
      } catch (err) {
        d.logger.error('message handler failed', { err })
        if (conn) out.close(conn, 'internal_error')
      }
    },
    onClose: (evt) => {
      // 1006: the socket ended without a closing handshake (a dropped network): its peer may be held for a resume.
      if (conn) lifecycle.closed(conn, (evt as CloseEvent | undefined)?.code)
    },
    onError: (evt) => {
      if (conn) lifecycle.failed(conn)
      d.logger.debug('socket error', { error: String((evt as ErrorEvent).error ?? 'unknown') })
    },
  }
}
