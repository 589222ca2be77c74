/**
 * @module How the backend reaches Redis: one server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). Either way
 * it gets two clients of the same shape: `cmd` for commands, scripts and publishing, `sub` for subscriptions. On a
 * Cluster, `sub` keeps one sharded-pub/sub connection per master (ioredis's sharded subscriber group), which
 * re-subscribes a channel on its slot's new owner whenever the slot map changes (failover, resharding).
 */
import { Cluster, Redis } from 'ioredis'
import { commandOptions, redactUrl, retryStrategy, subscriberOptions, type ConnectionPolicy, type RedisClientLike } from './redis-client.js'

export interface RedisNodeAddress {
  host: string
  port: number
}

/** One Redis server by URL, or the seed nodes of a Cluster (any reachable node yields the whole slot map). */
export type RedisTarget = { url: string; clusterNodes?: undefined } | { clusterNodes: readonly RedisNodeAddress[]; url?: undefined }

export interface RedisClients {
  cmd: RedisClientLike
  sub: RedisClientLike
  cluster: boolean
  /** Where the backend connects, for messages and logs: credentials redacted. */
  where: string
}

/**
 * How often a Cluster client re-reads the slot map unprompted. A MOVED reply or a lost node makes ioredis re-read it
 * at once; the interval bounds how long a subscriber stays on a slot's old owner when nothing else tells it.
 */
const SLOTS_REFRESH_MS = 1000

/**
 * Cluster-wide policy over the per-node one: commands still fail fast (no offline queue), while MOVED/ASK are followed
 * and a command to a failed-over master is retried on the promoted replica (every 100 ms, at most 16 times, each try
 * bounded by the command timeout).
 */
function clusterCommandOptions(p: ConnectionPolicy) {
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, ...node } = commandOptions(p)
  const { retryStrategy: _perNode, ...redisOptions } = node
  return {
    lazyConnect,
    enableOfflineQueue,
    enableAutoPipelining,
    scaleReads: 'master' as const,
    slotsRefreshInterval: SLOTS_REFRESH_MS,
    clusterRetryStrategy: retryStrategy,
    redisOptions,
  }
}

function clusterSubscriberOptions(p: ConnectionPolicy) {
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, connectionName } = subscriberOptions(p)
  return {
    lazyConnect,
    enableOfflineQueue,
    enableAutoPipelining,
    shardedSubscribers: true,
    slotsRefreshInterval: SLOTS_REFRESH_MS,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { connectionName, connectTimeout: p.connectTimeoutMs },
  }
}

/** Creates both clients, not yet connected (lazyConnect): the caller connects and handles a refusal. */
export function openClients(target: RedisTarget, policy: ConnectionPolicy): RedisClients {
  if (target.clusterNodes) {
    const seeds = target.clusterNodes.map((n) => ({ host: n.host, port: n.port }))
    return {
      cmd: new Cluster(seeds, clusterCommandOptions(policy)),
      sub: new Cluster(seeds, clusterSubscriberOptions(policy)),
      cluster: true,
      where: `the Redis Cluster at ${seeds.map((n) => `${n.host}:${n.port}`).join(',')}`,
    }
  }
  const cmd = new Redis(target.url, commandOptions(policy))
  return { cmd, sub: cmd.duplicate(subscriberOptions(policy)), cluster: false, where: redactUrl(target.url) }
}
