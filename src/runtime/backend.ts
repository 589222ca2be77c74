/** @module Backend choice shared by the Node and Bun entries: memory unless REDIS_URL or REDIS_CLUSTER_NODES is set. */
import type { Config } from '../config.js'
import type { Logger } from '../lib/logger.js'
import type { Scheduler } from '../lib/scheduler.js'
import { createMemoryBackend } from '../storage/memory.js'
import type { RedisBackendSettings } from '../storage/redis.js'
import type { Backend } from '../storage/types.js'

/** The Redis adapter (and ioredis) is loaded only when Redis is configured. Rejects when Redis is unreachable. */
export async function createBackend(
  config: Config,
  instanceId: string,
  logger: Logger,
  scheduler: Scheduler,
  publishBatching: RedisBackendSettings['publishBatching'] = 'microtask',
): Promise<Backend> {
  if (!config.redis) return createMemoryBackend({ instanceId, auditCapacity: config.auditLogSize, logger })
  const { createRedisBackend } = await import('../storage/redis.js')
  const { prefix, ...target } = config.redis
  return createRedisBackend({
    ...target,
    prefix,
    instanceId,
    logger,
    scheduler,
    auditCapacity: config.auditLogSize,
    leaseTtlMs: config.leaseTtlMs,
    // At most two sweeps per CLEANUP_INTERVAL cluster-wide, however many instances; half the interval absorbs timer drift.
    sweepSpacingMs: Math.floor(config.cleanupIntervalMs / 2),
    publishBatching,
  })
}
