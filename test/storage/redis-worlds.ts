/**
 * @module Conformance worlds over Redis (one server or a Cluster): every world gets its own key prefix, and its keys
 * are deleted afterwards.
 */
import { silentLogger } from '../../src/lib/logger.js'
import type { RedisTarget } from '../../src/storage/redis-connect.js'
import { redisKeys } from '../../src/storage/redis-keys.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import type { Backend } from '../../src/storage/types.js'
import { randomPrefix } from '../helpers/redis.js'
import type { WorldFactory } from './conformance.js'

export interface RedisWorldHooks {
  /** Publishes raw text as a foreign client would (SPUBLISH on the channel's shard). */
  spublish(channel: string, text: string): Promise<void>
  deleteKeys(prefix: string): Promise<void>
}

export function redisWorlds(target: RedisTarget, hooks: RedisWorldHooks): WorldFactory {
  return async () => {
    const prefix = randomPrefix('conf')
    const backends: Backend[] = []
    return {
      async instance(instanceId, opts = {}) {
        const auditCapacity = opts.auditCapacity ?? 1000
        const backend = await createRedisBackend({ ...target, prefix, instanceId, logger: silentLogger, auditCapacity, leaseTtlMs: 30_000 })
        backends.push(backend)
        return backend
      },
      publishText: (channel, text) => hooks.spublish(redisKeys(prefix).channel(channel, channel.kind === 'room' ? channel.roomId : ''), text),
      async cleanup() {
        await Promise.all(backends.map((b) => b.close()))
        await hooks.deleteKeys(prefix)
      },
    }
  }
}
