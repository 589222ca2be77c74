/**
 * @module Room REST API. Listings and peers are admin-only (they expose who is online); the pre-join
 * check is authorised by the user's own room token.
 */
import { Hono, type MiddlewareHandler } from 'hono'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { jsonBody } from '../lib/http.js'
import type { TokenService } from '../auth/tokens.js'
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

  return new Hono()
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
    .post('/:roomId/join', ...jsonBody(JoinRequestSchema), async (c) => {
      const roomId = c.req.param('roomId')
      const body = c.req.valid('json')
      const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
      if (!token) throw httpError('unauthorized', { 'www-authenticate': 'Bearer' }, 'A room token is required: Authorization: Bearer <token>')
      const verified = await d.tokens.verify(token)
      if (!verified.ok) throw httpError(verified.code)
      if (verified.claims.userId !== body.userId || verified.claims.roomId !== roomId) throw httpError('token_mismatch')
      const room = await d.rooms.getRoom(roomId, now())
      const peers = room ? await d.rooms.listPeers(roomId, now()) : []
      const others = peers.filter((p) => p.userId !== body.userId)
      const full = others.length >= d.config.rooms.maxPeers
      const roomCount = room ? 0 : (await d.rooms.listRooms(now())).length
      const exhausted = !room && roomCount >= d.config.rooms.maxRooms
      return c.json({
        status: 'ok',
        roomId,
        userId: body.userId,
        userName: verified.claims.userName ?? body.userName ?? body.userId,
        canJoin: !full && !exhausted,
        reason: full ? 'room_full' : exhausted ? 'rooms_exhausted' : null,
        exists: room !== null,
        peers: others.map(peerInfo),
        limits: { maxPeersPerRoom: d.config.rooms.maxPeers, maxMessageBytes: d.config.ws.maxMessageBytes },
        tokenExpiresAt: verified.claims.expiresAt,
        websocket: { paths: ['/ws', '/'], firstFrame: 'auth' },
      })
    })
}
