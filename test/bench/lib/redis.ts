/**
 * @module The Redis that xrelay's servers share: reachability, the redis-server process (for its CPU time),
 * and cleanup of one run's keys. The Redis may be shared with tests, so a run works under a random
 * REDIS_PREFIX and deletes only that prefix's keys (SCAN + UNLINK, never FLUSHALL).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'

/** BENCH_REDIS_URL, default the local redis-server. Loopback only: the bench sends no traffic elsewhere. */
export function benchRedisUrl(): string {
  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
  const host = new URL(url).hostname
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`BENCH_REDIS_URL must be on loopback, got ${host}`)
  return url
}

/** A fresh key and channel prefix for one group of servers. */
export const newRedisPrefix = () => `bench-${randomBytes(6).toString('hex')}`

/** A connection to `url`, or the reason there is none; fails fast instead of retrying. */
export async function openRedis(url: string): Promise<{ redis: Redis; error: null } | { redis: null; error: string }> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  let lastError = ''
  redis.on('error', (err: Error) => (lastError = err.message))
  try {
    await redis.connect()
    await redis.ping()
    return { redis, error: null }
  } catch (err) {
    redis.disconnect()
    return { redis: null, error: lastError || (err as Error).message }
  }
}

/**
 * The redis-server's pid from INFO server, if that process is visible here (same pid namespace): its
 * /proc/<pid>/comm must name redis. Null otherwise, and Redis CPU is then not counted.
 */
export async function redisServerPid(redis: Redis): Promise<number | null> {
  const info = await redis.info('server')
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1])
  if (!Number.isInteger(pid)) return null
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis') ? pid : null
  } catch {
    return null
  }
}

/** Deletes every key under `prefix` (the servers' keys are all `<prefix>:...`); returns how many. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    if (keys.length) deleted += await redis.unlink(...keys)
    cursor = next
  } while (cursor !== '0')
  return deleted
}
