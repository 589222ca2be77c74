/**
 * @module Redis Backend (issue 3): rooms, presence, audit, token uses and rate limits shared by every instance, and
 * the bus between them. Loaded by the Node/Bun entries only (dynamic import when REDIS_URL is set).
 */
import { systemScheduler, type Scheduler } from '../lib/scheduler.js'
import type { Logger } from '../lib/logger.js'
import { createRedisBus, detectSharded } from './redis-bus.js'
import { defineScripts, storeError, withTimeout, type RedisClientLike } from './redis-client.js'
import { openClients, type RedisTarget } from './redis-connect.js'
import { redisKeys } from './redis-keys.js'
import { createPresence, type Presence } from './redis-presence.js'
import { createRedisRateLimitStore } from './redis-rate-limit.js'
import { createRedisAudit, createRedisTokenUses } from './redis-records.js'
import { createRedisRooms } from './redis-rooms.js'
import { StoreError, type Backend } from './types.js'

export type RedisBackendOptions = RedisTarget & RedisBackendSettings

export interface RedisBackendSettings {
  /** Key and channel prefix (REDIS_PREFIX): several deployments can share one Redis. */
  prefix: string
  instanceId: string
  logger: Logger
  auditCapacity: number
  /** PEER_LEASE_TTL: held peers are renewed (or restored) with it right after a reconnect. */
  leaseTtlMs: number
  /** Time and timers (command and health timeouts); the platform's by default. */
  scheduler?: Scheduler
  /** Bound on every command (default 2000 ms). */
  commandTimeoutMs?: number
  /** Bound on one connection attempt (default 5000 ms). */
  connectTimeoutMs?: number
  /** Bound on health() (default 1000 ms). */
  healthTimeoutMs?: number
  /**
   * Cluster-wide spacing of sweeps (default 0: every call sweeps). Every instance calls sweep each CLEANUP_INTERVAL;
   * with a spacing, the sweeps of all instances together run at most once per spacing, so their cost does not grow
   * with the number of instances.
   */
  sweepSpacingMs?: number
  /**
   * When the bus sends the publishes it queued (batched per channel). 'microtask' (default) ends the batch with the
   * synchronous run, which on Node holds every frame of one socket read; 'immediate' waits for the end of the I/O
   * phase, for runtimes that run each WebSocket message as its own task (Bun), where a microtask batches nothing.
   * Measured: docs/performance.md, "Batched bus messages".
   */
  publishBatching?: 'microtask' | 'immediate'
}

/** Logs connection changes once per transition, not once per retry; calls `onReconnect` on every `ready` after the first. */
function watchConnection(client: RedisClientLike, role: string, logger: Logger, onReconnect?: () => void) {
  let connected = false
  let everReady = false
  client.on('ready', () => {
    if (everReady) logger.info('Redis connection restored', { role })
    const reconnect = everReady
    connected = everReady = true
    if (reconnect) onReconnect?.()
  })
  client.on('close', () => {
    if (connected) logger.warn('Redis connection lost; reconnecting', { role })
    connected = false
  })
  client.on('error', (err) => {
    if (connected || !everReady) logger.debug('Redis connection error', { role, err })
  })
}

/**
 * Connects (both clients) and returns the Backend. Startup policy: an unreachable Redis (or one that refuses the
 * credentials) is an error, not a wait: the promise rejects at once with a StoreError naming the redacted URL (or the
 * Cluster's seed nodes) and the cause, and the Node entry exits 1 (the platform's restart policy retries). Once
 * started, a lost connection is retried forever (at most 1 s apart) while commands fail fast.
 */
export async function createRedisBackend(opts: RedisBackendOptions): Promise<Backend> {
  const keys = redisKeys(opts.prefix)
  const scheduler = opts.scheduler ?? systemScheduler
  const logger = opts.logger.child({ component: 'redis' })
  const policy = {
    instanceId: opts.instanceId,
    commandTimeoutMs: opts.commandTimeoutMs ?? 2000,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
  }
  const { cmd, sub, cluster, where, onMastersChanged } = openClients(opts, policy)
  let presence: Presence | null = null
  /** Renews the held peers at once, restoring what Redis lost (after a reconnect, or a Cluster failover). */
  const renewNow = (after: string) => {
    presence?.reconnected().catch((err: unknown) => logger.warn(`renewing held peers after ${after} failed`, { err }))
  }
  watchConnection(cmd, 'command', logger, () => renewNow('a reconnect'))
  // A failover: the promoted replica may lack the old master's last writes, so renew (and restore what it lacks) now.
  onMastersChanged(() => {
    logger.info('Redis Cluster masters changed; renewing held peers')
    renewNow('a Cluster change')
  })
  watchConnection(sub, 'subscriber', logger)

  let sharded: boolean
  let connectError: unknown = null
  const remember = (err: unknown) => void (connectError ??= err)
  cmd.on('error', remember)
  const run = defineScripts(cmd)
  try {
    await Promise.all([cmd.connect(), sub.connect()])
    sharded = await detectSharded(cmd, keys)
    if (cluster && !sharded) throw new StoreError('Redis Cluster mode needs Redis 7 or newer (sharded pub/sub: SPUBLISH)')
    presence = createPresence({ cmd, run, keys, logger, clock: scheduler, leaseTtlMs: opts.leaseTtlMs })
    await presence.start()
  } catch (err) {
    cmd.disconnect()
    sub.disconnect()
    // ioredis rejects connect() with "Connection is closed"; the socket error (ECONNREFUSED, ENOTFOUND...) says why.
    const cause = connectError ?? err
    const detail = cause instanceof Error ? cause.message : String(cause)
    const unset = cluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'
    throw new StoreError(`Cannot connect to Redis at ${where} (${detail}); start Redis or unset ${unset}`, { cause })
  }
  cmd.off('error', remember)
  return assemble({ opts, keys, cmd, sub, run, presence, sharded, where, logger, scheduler })
}

function assemble(p: {
  opts: RedisBackendOptions
  keys: ReturnType<typeof redisKeys>
  cmd: RedisClientLike
  sub: RedisClientLike
  run: ReturnType<typeof defineScripts>
  presence: Presence
  sharded: boolean
  where: string
  logger: Logger
  scheduler: Scheduler
}): Backend {
  const { opts, keys, cmd, sub, run, presence, logger, scheduler } = p
  let closing: Promise<void> | null = null
  const guard = () => {
    if (closing) throw new StoreError('Redis backend is closed')
  }
  const op = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    guard()
    try {
      return await fn()
    } catch (err) {
      throw storeError(what, err)
    }
  }
  const onPartialFailure = (what: string, failed: number, err: unknown) => logger.warn(`${what}: some rooms failed`, { failed, err })
  const rateStores: { shutdown(): void }[] = []
  const healthTimeoutMs = opts.healthTimeoutMs ?? 1000
  const defer = opts.publishBatching === 'immediate' ? (fn: () => void) => void setImmediate(fn) : queueMicrotask
  const bus = createRedisBus({ pub: cmd, sub, keys, instanceId: opts.instanceId, sharded: p.sharded, logger, clock: scheduler, guard, defer })
  const shutdownClient = (c: RedisClientLike) =>
    (c.status === 'ready' ? withTimeout(c.quit(), 1000, 'QUIT', scheduler) : Promise.resolve()).catch(() => undefined).finally(() => c.disconnect())

  logger.info('Redis backend ready', { at: p.where, prefix: opts.prefix, sharded: p.sharded })
  return {
    name: 'redis',
    shared: true,
    rooms: createRedisRooms({ cmd, run, keys, presence, op, onPartialFailure, sweepSpacingMs: opts.sweepSpacingMs ?? 0, goneTtlMs: opts.leaseTtlMs }),
    audit: createRedisAudit({ cmd, run, keys, auditCapacity: opts.auditCapacity, op }),
    tokens: createRedisTokenUses({ cmd, run, keys, auditCapacity: opts.auditCapacity, op }),
    bus,
    rateLimitStore(name) {
      const store = createRedisRateLimitStore(cmd, keys.rateLimit(name), logger)
      rateStores.push(store)
      return store
    },
    async health() {
      if (closing) return { ok: false, detail: 'closed' }
      if (cmd.status !== 'ready') return { ok: false, detail: `Redis connection is ${cmd.status}` }
      if (sub.status !== 'ready') return { ok: false, detail: `Redis subscriber is ${sub.status}` }
      try {
        await withTimeout(cmd.call('PING'), healthTimeoutMs, 'Redis PING', scheduler)
        return { ok: true }
      } catch {
        return { ok: false, detail: 'Redis did not answer PING' }
      }
    },
    close() {
      closing ??= (async () => {
        for (const s of rateStores) s.shutdown()
        await Promise.all([shutdownClient(cmd), shutdownClient(sub)])
      })()
      return closing
    },
  }
}
