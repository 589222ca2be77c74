/**
 * @module The Redis adapter runs the storage conformance suite against the shared Redis (127.0.0.1:6379): every
 * world gets its own key prefix, deleted afterwards.
 */
import { describe } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import type { Backend } from '../../src/storage/types.js'
import { redisKeys } from '../../src/storage/redis-keys.js'
import { deleteKeys, randomPrefix, redisClient } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { runBackendConformance } from './conformance.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

describe.skipIf(!available)('redis adapter', () => {
  runBackendConformance('redis', async () => {
    const prefix = randomPrefix('conf')
    const backends: Backend[] = []
    return {
      async instance(instanceId, opts = {}) {
        const auditCapacity = opts.auditCapacity ?? 1000
        const backend = await createRedisBackend({ url: REDIS_URL, prefix, instanceId, logger: silentLogger, auditCapacity, leaseTtlMs: 30_000 })
        backends.push(backend)
        return backend
      },
      async publishText(channel, text) {
        const raw = redisClient(REDIS_URL)
        try {
          await raw.call('SPUBLISH', redisKeys(prefix).channel(channel), text)
        } finally {
          raw.disconnect()
        }
      },
      async cleanup() {
        await Promise.all(backends.map((b) => b.close()))
        await deleteKeys(REDIS_URL, prefix)
      },
    }
  })
})
