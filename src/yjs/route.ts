/**
 * @module GET /yjs: y-webrtc's signaling protocol behind a room token on the URL (`/yjs?token=...`), since the
 * provider can send neither an auth frame nor headers. After the admission every WebSocket route shares (Origin,
 * draining, memory, connection caps), the token and the room's capacity are checked BEFORE the upgrade: a refused
 * provider sees a failed connection and backs off (a socket closed after it opened would be reopened at once).
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { WSContext } from 'hono/ws'
import type { RoomClaims, TokenService } from '../auth/tokens.js'
import type { Config } from '../config.js'
import type { AppDeps } from '../env.js'
import { httpError, type ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { SocketPort } from '../signaling/connection.js'
import type { AuditFn } from '../ops/audit.js'
import { bump, type YjsMetrics } from '../ops/metrics.js'
import { MAX_TOKEN_LENGTH } from '../protocol/client-messages.js'
import type { RoomStore } from '../storage/types.js'
import type { Yjs } from './hub.js'
import { auditReason } from './membership.js'
import type { YjsSocket } from './socket.js'
import { yjsStoreRoomId } from './topics.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified claims of a /yjs upgrade's token, from the check to the upgrade handler. */
    yjsClaims: RoomClaims
  }
}

export interface YjsRouteDeps {
  config: Config
  yjs: Yjs
  tokens: TokenService
  store: RoomStore
  clock: Clock
  logger: Logger
  metrics: YjsMetrics
  audit: AuditFn
  upgradeWebSocket: AppDeps['upgradeWebSocket']
  /** The runtime's socket as the core sees it (bufferedAmount, terminate). */
  socketPort: (ws: WSContext) => SocketPort
  ipOf: (c: Context) => string | null
}

/** A provider with a stale token retries every 2.5 s forever: its refusals are audited once a minute per address. */
const AUDIT_REPEAT_MS = 60_000
const AUDIT_MEMORY = 10_000

/** Returns [token and capacity check, upgrade handler] for the /yjs route, to follow the shared admission. */
export function yjsHandlers(d: YjsRouteDeps): [MiddlewareHandler, MiddlewareHandler] {
  const audited = new Map<string, number>()
  const refuse = (c: Context, code: ErrorCode, claims: RoomClaims | null, message?: string): never => {
    bump(d.metrics.refused, code)
    const ip = d.ipOf(c)
    const key = `${ip ?? ''} ${code}`
    const now = d.clock.now()
    if ((audited.get(key) ?? -Infinity) + AUDIT_REPEAT_MS <= now) {
      if (audited.size >= AUDIT_MEMORY) audited.clear()
      audited.set(key, now)
      const roomId = claims ? yjsStoreRoomId(claims.roomId) : null
      d.audit('auth_failure', { userId: claims?.userId ?? null, roomId, reason: auditReason(code), remoteAddress: ip })
    }
    throw httpError(code, undefined, message)
  }

  const check: MiddlewareHandler = async (c, next) => {
    const token = c.req.query('token')
    if (!token) return refuse(c, 'unauthorized', null, 'A room token is required: /yjs?token=<room token>')
    if (token.length > MAX_TOKEN_LENGTH) return refuse(c, 'token_invalid', null)
    const verified = await d.tokens.verify(token)
    if (!verified.ok) return refuse(c, verified.code, null)
    const claims = verified.claims
    // A hint, not the rule: the store join decides atomically once the socket subscribes. Without a store the join
    // would fail after the upgrade, and the provider would reopen at once, again and again: refused here, it backs off.
    const room = await d.store.getRoom(yjsStoreRoomId(claims.roomId), d.clock.now()).catch(() => undefined)
    if (room === undefined) return refuse(c, 'store_unavailable', claims)
    if (room && room.peerCount >= d.config.rooms.maxPeers) return refuse(c, 'room_full', claims)
    c.set('yjsClaims', claims)
    await next()
  }

  const upgrade = d.upgradeWebSocket((c) => {
    const ip = d.ipOf(c)
    const claims = c.get('yjsClaims')
    const who = { roomId: claims.roomId, userId: claims.userId, userName: claims.userName ?? claims.userId }
    let s: YjsSocket | null = null
    // Workers never fires onOpen, so the first message registers the socket too.
    const ensure = (ws: WSContext) => (s ??= d.yjs.open(d.socketPort(ws), ip, who))
    return {
      onOpen: (_evt, ws) => {
        ensure(ws)
      },
      onMessage: (evt, ws) => {
        try {
          d.yjs.message(ensure(ws), evt.data)
        } catch (err) {
          d.logger.error('yjs message handler failed', { err })
          if (s) d.yjs.fail(s)
        }
      },
      onClose: () => {
        if (s) d.yjs.closed(s)
      },
      onError: (evt) => {
        d.logger.debug('yjs socket error', { error: String((evt as ErrorEvent).error ?? 'unknown') })
      },
    }
  })
  return [check, upgrade]
}
