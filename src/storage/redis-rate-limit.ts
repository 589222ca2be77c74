/**
 * @module hono-rate-limiter Store with counters shared by every instance (the library's own RedisStore and its Lua),
 * degrading to this instance's memory counters while Redis is unreachable rather than failing the request.
 */
import { MemoryStore, RedisStore, type Store } from 'hono-rate-limiter'
import type { Logger } from '../lib/logger.js'
import type { RedisClientLike } from './redis-client.js'

/** The client shape RedisStore expects, over our structural client. */
function storeClient(cmd: RedisClientLike) {
  return {
    async scriptLoad(script: string): Promise<string> {
      return String(await cmd.call('SCRIPT', 'LOAD', script))
    },
    evalsha<TArgs extends unknown[], TData = unknown>(sha1: string, keys: string[], args: TArgs): Promise<TData> {
      // The library declares the reply type it parses itself; Redis replies are what its scripts return.
      return cmd.call('EVALSHA', sha1, keys.length, ...keys, ...args.map(String)) as Promise<TData>
    },
    decr: async (key: string) => Number(await cmd.call('DECR', key)),
    del: async (key: string) => Number(await cmd.call('DEL', key)),
  }
}

/** A shared Store for one limiter; `prefix` must be unique per limiter. */
export function createRedisRateLimitStore(cmd: RedisClientLike, prefix: string, logger: Logger): Store & { shutdown(): void } {
  const shared = new RedisStore({ client: storeClient(cmd), prefix })
  const local = new MemoryStore()
  let degraded = false
  const fallback = (err: unknown) => {
    if (!degraded) logger.warn('rate limiting falls back to per-instance counters while Redis is unreachable', { prefix, err })
    degraded = true
  }
  const recovered = () => {
    if (degraded) logger.info('rate limiting uses shared Redis counters again', { prefix })
    degraded = false
  }
  return {
    localKeys: false,
    prefix,
    init(options) {
      shared.init(options)
      local.init(options)
    },
    async increment(key) {
      try {
        const info = await shared.increment(key)
        recovered()
        return info
      } catch (err) {
        fallback(err)
        return local.increment(key)
      }
    },
    async decrement(key) {
      await shared.decrement(key).catch(() => local.decrement(key))
    },
    async resetKey(key) {
      local.resetKey(key)
      await shared.resetKey(key).catch((err: unknown) => logger.debug('rate-limit reset failed', { err }))
    },
    shutdown() {
      local.shutdown()
    },
  }
}
