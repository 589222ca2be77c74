/**
 * @module Room REST API. Listings and peers are admin-only (they expose who is online); the pre-join
 * check is authorised by the user's own room token.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { rateLimiter, type Store } from 'hono-rate-limiter'
import type { Config } from '../config.js'
import { errorBody, httpError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { jsonBody } from '../lib/http.js'
import type { RoomClaims, TokenService } from '../auth/tokens.js'
import { IdSchema } from '../protocol/ids.js'
import { JoinRequestSchema } from '../protocol/http-bodies.js'
import { peerInfo } from '../signaling/frames.js'
import type { RoomRecord, RoomStore } from '../storage/types.js'

export interface RoomRouteDeps {
  config: Config
  rooms: RoomStore
  tokens: TokenService
  clock: Clock
  requireAdmin: MiddlewareHandler
  ipOf: (c: Context) => string | null
  /** Rate-limit counters by limiter name ('join-ip', 'join-token'). */
  limitStore: (name: string) => Store
}

/** Pre-join checks one token may make per minute: a client checks once before it connects (ours; issue 9 finding 1). */
export const JOIN_CHECKS_PER_TOKEN = 10

type JoinEnv = { Variables: { claims: RoomClaims } }

/** Per-address and per-token windows for the pre-join check; failed checks count too. */
function joinLimits(d: RoomRouteDeps) {
  const message = errorBody('rate_limited', 'Too many join checks; retry after the time in Retry-After')
  const perAddress = rateLimiter({
    windowMs: 60_000,
    limit: d.config.auth.joinChecksPerMinute,
    keyGenerator: (c) => `join:${d.ipOf(c) ?? 'unknown'}`,
    message,
    store: d.limitStore('join-ip'),
  })
  const perToken = rateLimiter({
    windowMs: 60_000,
    limit: JOIN_CHECKS_PER_TOKEN,
    // Runs after roomToken, which set the claims.
    keyGenerator: (c) => `join-token:${(c as unknown as Context<JoinEnv>).get('claims').jti}`,
    message,
    store: d.limitStore('join-token'),
  })
  return { perAddress, perToken }
}

/**
 * The bearer room token, verified before anything reads the body (a slow body used to be read first), for the room in
 * the path. The user is checked against the body afterwards.
 */
function roomToken(d: RoomRouteDeps): MiddlewareHandler<JoinEnv> {
  return async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (!token) throw httpError('unauthorized', { 'www-authenticate': 'Bearer' }, 'A room token is required: Authorization: Bearer <token>')
    const verified = await d.tokens.verify(token)
    if (!verified.ok) throw httpError(verified.code)
    if (verified.claims.roomId !== c.req.param('roomId')) throw httpError('token_mismatch')
    c.set('claims', verified.claims)
    await next()
  }
}

const roomSummary = (r: RoomRecord) => ({
  roomId: r.roomId,
  peerCount: r.peerCount,
  createdAt: r.createdAt,
  lastActivity: r.lastActivity,
})

export function roomRoutes(d: RoomRouteDeps) {
  const now = () => d.clock.now()

  /** Loads the room named in the path or answers 404 (also for ids no room could have). */
  async function loadRoom(roomId: string): Promise<RoomRecord> {
    const room = IdSchema.safeParse(roomId).success ? await d.rooms.getRoom(roomId, now()) : null
    if (!room) throw httpError('room_not_found')
    return room
  }

  const limits = joinLimits(d)
  return new Hono<JoinEnv>()
    .get('/', d.requireAdmin, async (c) => {
      const rooms = await d.rooms.listRooms(now())
      return c.json({ count: rooms.length, rooms: rooms.map(roomSummary) })
    })
    .get('/:roomId', d.requireAdmin, async (c) => {
      const room = await loadRoom(c.req.param('roomId'))
      const peers = await d.rooms.listPeers(room.roomId, now())
      return c.json({ ...roomSummary(room), peerCount: peers.length, peers: peers.map(peerInfo) })
    })
    .get('/:roomId/stats', d.requireAdmin, async (c) => {
      const room = await loadRoom(c.req.param('roomId'))
      const t = now()
      return c.json({
        ...roomSummary(room),
        capacity: d.config.rooms.maxPeers,
        ageMs: t - room.createdAt,
        idleMs: t - room.lastActivity,
        emptySince: room.emptySince,
        expiresAt: room.lastActivity + d.config.rooms.inactivityMs,
      })
    })
    .get('/:roomId/peers', d.requireAdmin, async (c) => {
      const room = await loadRoom(c.req.param('roomId'))
      const peers = await d.rooms.listPeers(room.roomId, now())
      return c.json({ roomId: room.roomId, count: peers.length, peers: peers.map(peerInfo) })
    })
    .post('/:roomId/join', limits.perAddress, roomToken(d), limits.perToken, ...jsonBody(JoinRequestSchema), async (c) => {
      const roomId = c.req.param('roomId')
      const body = c.req.valid('json')
      const claims = c.get('claims')
      if (claims.userId !== body.userId) throw httpError('token_mismatch')
      const room = await d.rooms.getRoom(roomId, now())
      const peers = room ? await d.rooms.listPeers(roomId, now()) : []
      const others = peers.filter((p) => p.userId !== body.userId)
      const full = others.length >= d.config.rooms.maxPeers
      // O(1) on every store: listing rooms here cost one script per room on Redis (issue 9 finding 1).
      const exhausted = !room && (await d.rooms.counts()).rooms >= d.config.rooms.maxRooms
      return c.json({
        status: 'ok',
        roomId,
        userId: body.userId,
        userName: claims.userName ?? body.userName ?? body.userId,
        nameVerified: claims.userName !== undefined || body.userName === undefined,
        canJoin: !full && !exhausted,
        reason: full ? 'room_full' : exhausted ? 'rooms_exhausted' : null,
        exists: room !== null,
        peers: others.map(peerInfo),
        limits: { maxPeersPerRoom: d.config.rooms.maxPeers, maxMessageBytes: d.config.ws.maxMessageBytes },
        tokenExpiresAt: claims.expiresAt,
        websocket: { paths: ['/ws', '/'], firstFrame: 'auth' },
      })
    })
}
