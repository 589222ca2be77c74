/**
 * @module hono-rate-limiter Store with counters shared by every instance (the library's own RedisStore and its Lua),
 * degrading to this instance's memory counters while Redis is unreachable rather than failing the request.
 */
import { createHash } from 'node:crypto'
import { MemoryStore, RedisStore, type Store } from 'hono-rate-limiter'
import type { Logger } from '../lib/logger.js'
import type { RedisClientLike } from './redis-client.js'

/**
 * The client shape RedisStore expects, over our structural client. On a Cluster, SCRIPT LOAD would reach one random
 * node while EVALSHA goes to the key's node, so scripts are kept here by digest and a NOSCRIPT reply runs the script
 * by EVAL (which caches it on that node): the same on one server.
 */
function storeClient(cmd: RedisClientLike) {
  const scripts = new Map<string, string>()
  return {
    async scriptLoad(script: string): Promise<string> {
      const sha1 = createHash('sha1').update(script).digest('hex')
      scripts.set(sha1, script)
      // One server then has it cached before the first use; on a Cluster this reaches one node, and EVAL covers the rest.
      await cmd.call('SCRIPT', 'LOAD', script)
      return sha1
    },
    async evalsha<TArgs extends unknown[], TData = unknown>(sha1: string, keys: string[], args: TArgs): Promise<TData> {
      const rest = [keys.length, ...keys, ...args.map(String)]
      // The library declares the reply type it parses itself; Redis replies are what its scripts return.
      try {
        return (await cmd.call('EVALSHA', sha1, ...rest)) as TData
      } catch (err) {
        const script = scripts.get(sha1)
        if (!script || !(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
        return (await cmd.call('EVAL', script, ...rest)) as TData
      }
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
