/** @module Health, info, stats, audit and maintenance endpoints. */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { MemoryStore, rateLimiter, type Store } from 'hono-rate-limiter'
import * as z from 'zod'
import type { Config } from '../config.js'
import { errorBody, httpError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Signaling } from '../signaling/core.js'
import type { Backend } from '../storage/types.js'
import { PRODUCT_NAME, VERSION } from '../version.js'
import type { Yjs } from '../yjs/hub.js'
import { yjsStats } from '../yjs/stats.js'
import type { CleanupResult } from './cleanup.js'
import type { MemoryMonitor } from './memory-monitor.js'
import type { Metrics } from './metrics.js'

export interface OpsDeps {
  config: Config
  backend: Backend
  signaling: Signaling
  yjs: Yjs
  metrics: Metrics
  monitor: MemoryMonitor
  clock: Clock
  instanceId: string
  startedAt: number
  isDraining: () => boolean
  runCleanup: () => Promise<CleanupResult>
  gc: (() => void) | null
  requireAdmin: MiddlewareHandler
  /** Whether the caller is admin (details on public endpoints); never refuses. */
  isAdmin: (c: Context) => Promise<boolean>
  gcLimitStore?: Store
}

const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) })

export function opsRoutes(d: OpsDeps) {
  const gcLimit = rateLimiter({
    windowMs: 10_000,
    limit: 1,
    keyGenerator: () => 'gc',
    message: errorBody('rate_limited', 'Garbage collection was forced recently; retry after the time in Retry-After'),
    store: d.gcLimitStore ?? new MemoryStore(),
  })

  /** O(1) on every store (issue 9 finding 1). */
  const counts = () => d.backend.rooms.counts()

  return new Hono()
    .get('/health', async (c) => {
      const store = await d.backend.health()
      const draining = d.isDraining()
      const status = draining ? 'draining' : store.ok ? 'ok' : 'degraded'
      const code = draining ? 503 : 200
      // The seed's shape for the public; RSS, thresholds, storage and uptime help an attacker time a memory attack.
      if (!(await d.isAdmin(c))) return c.json({ status, memory: { status: d.monitor.status }, timestamp: d.clock.now() }, code)
      const body = { status, memory: d.monitor.snapshot(), storage: { backend: d.backend.name, ok: store.ok }, uptime: d.clock.now() - d.startedAt, timestamp: d.clock.now() }
      return c.json(body, code)
    })
    .get('/info', async (c) => {
      const admin = await d.isAdmin(c)
      const auth = { mintingOpen: !d.config.auth.issuerKey && !d.config.production, tokenTtlSeconds: d.config.auth.ttlSeconds, singleUseTokens: d.config.auth.singleUse }
      return c.json({
        name: PRODUCT_NAME,
        version: VERSION,
        description: 'Signaling, room and token-auth server for peer-to-peer collaborative apps',
        endpoints: {
          auth: 'POST /api/auth/token',
          health: 'GET /api/health',
          stats: 'GET /api/stats',
          rooms: ['GET /api/rooms', 'GET /api/rooms/:roomId', 'GET /api/rooms/:roomId/stats', 'GET /api/rooms/:roomId/peers', 'POST /api/rooms/:roomId/join'],
          audit: 'GET /api/audit',
          maintenance: ['POST /api/maintenance/cleanup', 'POST /api/maintenance/gc'],
          websocket: { paths: ['/ws', '/'], yjs: '/yjs?token=<room token>', signalingPort: d.config.signalingPort },
        },
        ...(admin ? { auth } : {}),
        timestamp: d.clock.now(),
      })
    })
    .get('/stats', d.requireAdmin, async (c) => {
      const { rooms, peers } = await counts()
      const m = d.metrics
      return c.json({
        server: {
          instanceId: d.instanceId,
          uptime: d.clock.now() - d.startedAt,
          storage: d.backend.name,
          draining: d.isDraining(),
          activeRooms: rooms,
          totalPeers: peers,
          connections: d.signaling.registry.size,
          localRooms: d.signaling.rooms.size,
          awayPeers: d.signaling.away.size,
        },
        memory: d.monitor.snapshot(),
        operations: {
          relayed: { total: m.relayedTotal, perSecond: m.relayRate(), byType: { ...m.relayed } },
          auth: { successes: m.authSuccesses, failures: { ...m.authFailures } },
          joins: m.joins,
          leaves: m.leaves,
          sessions: { resumed: m.resumes, expired: m.resumeExpiries, replaced: m.replacements },
          rejectedFrames: { ...m.rejectedFrames },
        },
        yjs: yjsStats(d.yjs, m.yjs),
        limits: { maxPeersPerRoom: d.config.rooms.maxPeers, maxRooms: d.config.rooms.maxRooms, maxConnections: d.config.ws.maxConnections },
        timestamp: d.clock.now(),
      })
    })
    .get('/audit', d.requireAdmin, async (c) => {
      const q = AuditQuery.safeParse({ limit: c.req.query('limit') ?? undefined })
      if (!q.success) throw httpError('invalid_body', undefined, 'limit must be an integer from 1 to 1000')
      const events = await d.backend.audit.list(q.data.limit)
      return c.json({ count: events.length, events })
    })
    .post('/maintenance/cleanup', d.requireAdmin, async (c) => {
      const before = await counts()
      const result = await d.runCleanup()
      const after = await counts()
      return c.json({ message: 'Cleanup completed', before, after, cleaned: result, timestamp: d.clock.now() })
    })
    .post('/maintenance/gc', d.requireAdmin, async (c, next) => {
      if (!d.gc) throw httpError('gc_unavailable')
      await next()
    }, gcLimit, (c) => {
      const before = d.monitor.snapshot()
      d.gc?.()
      const after = d.monitor.snapshot()
      const freedMb = before.heapUsedMb !== null && after.heapUsedMb !== null ? Math.round((before.heapUsedMb - after.heapUsedMb) * 10) / 10 : null
      return c.json({ message: 'Garbage collection completed', before, after, freedMb, timestamp: d.clock.now() })
    })
}
