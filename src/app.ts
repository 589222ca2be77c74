/**
 * @module createApp(deps): builds the Hono app and the signaling core from injected dependencies.
 * No process.env, no listen, no runtime imports here: the same core runs on Node, Bun and Workers.
 */
import { Hono, type Context } from 'hono'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { isAdminCaller, requireAdmin } from './auth/guards.js'
import { defaultRateLimitStore, tokenRoutes } from './auth/routes.js'
import { createResumeTokens } from './auth/resume-tokens.js'
import { createTokenService } from './auth/tokens.js'
import type { AppDeps } from './env.js'
import { demoRoutes } from './demo/routes.js'
import { httpError } from './errors.js'
import { iceRoutes } from './ice/routes.js'
import { clientIp, proxyTrust } from './lib/client-ip.js'
import { apiBodyLimit, apiCors } from './lib/api-middleware.js'
import { errorHandler, notFound } from './lib/http.js'
import { createAudit } from './ops/audit.js'
import { createCleanup } from './ops/cleanup.js'
import { createMemoryMonitor } from './ops/memory-monitor.js'
import { createMetrics } from './ops/metrics.js'
import { opsRoutes } from './ops/routes.js'
import { securityWarnings } from './ops/startup-warnings.js'
import { roomRoutes } from './rooms/routes.js'
import type { Timer } from './lib/scheduler.js'
import { createSignaling } from './signaling/core.js'
import { websocketHandlers } from './signaling/route.js'
import { PRODUCT_NAME, VERSION } from './version.js'
import { createYjs } from './yjs/hub.js'
import { yjsHandlers } from './yjs/route.js'

/** HTTP bodies are small JSON documents; anything larger is refused before parsing. */
const MAX_BODY_BYTES = 16 * 1024
/** Minimum spacing of room-activity writes to the store, per room. */
const TOUCH_INTERVAL_MS = 30_000

export type App = ReturnType<typeof createApp>

export function createApp(deps: AppDeps) {
  const { config, backend, scheduler, logger, instanceId } = deps
  const clock = scheduler
  const startedAt = clock.now()
  let draining = false
  const isDraining = () => draining

  const metrics = createMetrics(clock)
  const tokens = createTokenService({ ...config.auth, clock, hs256: deps.hs256 })
  const resumeTokens = createResumeTokens({ ...config.auth, clock, hs256: deps.hs256 })
  const audit = createAudit(backend.audit, clock, logger, instanceId)
  const touchIntervalMs = Math.min(TOUCH_INTERVAL_MS, config.rooms.inactivityMs / 10)
  const signaling = createSignaling({ config, backend, tokens, resumeTokens, scheduler, logger, metrics, audit, instanceId, isDraining, touchIntervalMs })
  const yjs = createYjs({ config, backend, scheduler, logger, metrics, audit, instanceId, registry: signaling.registry, touchIntervalMs })
  const runCleanup = createCleanup({ config, rooms: backend.rooms, signaling, yjs, clock, audit })
  const monitor = createMemoryMonitor({
    read: deps.readMemory,
    warningMb: config.memory.warningMb,
    criticalMb: config.memory.criticalMb,
    logger,
    actionIntervalMs: 60_000,
    now: () => clock.now(),
    onPressure: (status) => {
      runCleanup().catch((err) => logger.warn('cleanup under memory pressure failed', { err }))
      if (status === 'critical') deps.gc?.()
    },
  })
  const trust = proxyTrust(config.trustProxyHops, config.trustedProxies)
  const ipOf = (c: Context) => clientIp(c, trust, deps.getRemoteAddress)
  const limitStore = deps.rateLimitStore ?? ((name: string) => backend.rateLimitStore?.(name) ?? defaultRateLimitStore())
  const adminOnly = requireAdmin(config, deps.bearerHash)
  const ws = websocketHandlers({
    config,
    signaling,
    logger,
    upgradeWebSocket: deps.upgradeWebSocket,
    socketPort: deps.socketPort,
    ipOf,
    isDraining,
    isMemoryCritical: () => monitor.status === 'critical',
  })
  const yjsRoute = yjsHandlers({ config, yjs, tokens, store: backend.rooms, clock, logger, metrics: metrics.yjs, audit, upgradeWebSocket: deps.upgradeWebSocket, socketPort: deps.socketPort, ipOf })

  const app = new Hono()
  app.onError(errorHandler(logger))
  app.notFound(notFound)
  app.use(secureHeaders())
  app.use(requestId())
  app.use('/api/*', apiCors(config.corsOrigins))
  app.use('/api/*', apiBodyLimit(MAX_BODY_BYTES))
  app.route('/api/auth', tokenRoutes({ config, tokens, ipOf, store: limitStore('mint'), bearerHash: deps.bearerHash }))
  app.route('/api/ice-servers', iceRoutes({ config, tokens, clock }))
  app.route('/api/rooms', roomRoutes({ config, rooms: backend.rooms, tokens, clock, requireAdmin: adminOnly, ipOf, limitStore }))
  app.route('/api', opsRoutes({ config, backend, signaling, yjs, metrics, monitor, clock, instanceId, startedAt, isDraining, runCleanup, gc: deps.gc, requireAdmin: adminOnly, isAdmin: isAdminCaller(config, deps.bearerHash), gcLimitStore: limitStore('gc') }))
  const renderMetrics = deps.renderMetrics
  if (renderMetrics) {
    app.get('/metrics', adminOnly, async (c) => {
      const { contentType, body } = await renderMetrics()
      return c.body(body, 200, { 'content-type': contentType })
    })
  }
  if (config.demo && deps.demoScript) app.route('/demo', demoRoutes(deps.demoScript))
  app.get('/ws', ws[0], ws[1])
  app.get('/ws/:room', ws[0], ws[1])
  app.get('/yjs', ws[0], ...yjsRoute)
  app.get('/', async (c, next) => (c.req.header('upgrade') ? next() : c.json({ name: PRODUCT_NAME, version: VERSION, status: draining ? 'draining' : 'running', docs: '/api/info' })), ws[0], ws[1])

  /** The second listener (SIGNALING_PORT) serves only WebSocket upgrades: /yjs, and the /ws protocol on any other path. */
  const signalingApp = new Hono()
  signalingApp.onError(errorHandler(logger))
  signalingApp.notFound(notFound)
  signalingApp.get('/yjs', ws[0], ...yjsRoute)
  signalingApp.get('/ws/:room', ws[0], ws[1])
  signalingApp.get('*', ws[0], ws[1])

  const timers: Timer[] = []
  const every = (ms: number, fn: () => unknown) => {
    const task = () => {
      try {
        const r = fn()
        if (r instanceof Promise) r.catch((err: unknown) => logger.warn('background task failed', { err }))
      } catch (err) {
        logger.warn('background task failed', { err })
      }
    }
    timers.push(scheduler.every(ms, task))
  }

  return {
    app,
    signalingApp,
    signaling,
    yjs,
    metrics,
    monitor,
    runCleanup,
    isDraining,

    /** Subscribes to the bus and starts cleanup, lease renewal, memory and rate sampling. */
    async start() {
      for (const warning of securityWarnings(config)) logger.warn(warning)
      await signaling.start()
      every(config.cleanupIntervalMs, runCleanup)
      every(Math.max(250, Math.floor(config.leaseTtlMs / 3)), () => backend.rooms.renewLeases(instanceId, clock.now() + config.leaseTtlMs))
      every(config.memory.checkIntervalMs, () => monitor.check())
      every(1000, () => metrics.sample())
      monitor.check()
    },

    /** Drain: health turns 503, upgrades are refused, peers leave the store and get close 1001. */
    async shutdown() {
      if (draining) return
      draining = true
      for (const t of timers) t.cancel()
      await Promise.all([signaling.lifecycle.drainAll(), yjs.drainAll()])
      audit.flush()
      await Promise.all([signaling.stop(), yjs.stop()])
    },
  }
}
