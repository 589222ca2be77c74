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
  /**
   * Calls `fn` whenever the set of masters serving the slots changes (a failover promoted a replica, a master was
   * added or removed); never for one server.
   */
  onMastersChanged(fn: () => void): void
}

/** Compares the Cluster's masters after every slot-map read (SLOTS_REFRESH_MS) and reports a change. */
function watchMasters(cluster: Cluster, fn: () => void) {
  const masters = () =>
    cluster
      .nodes('master')
      .map((n) => `${n.options.host ?? ''}:${n.options.port ?? ''}`)
      .sort()
      .join(',')
  let last: string | null = null
  cluster.on('refresh', () => {
    const now = masters()
    if (last !== null && now !== last) fn()
    last = now
  })
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
    const cmd = new Cluster(seeds, clusterCommandOptions(policy))
    return {
      cmd,
      sub: new Cluster(seeds, clusterSubscriberOptions(policy)),
      cluster: true,
      where: `the Redis Cluster at ${seeds.map((n) => `${n.host}:${n.port}`).join(',')}`,
      onMastersChanged: (fn) => watchMasters(cmd, fn),
    }
  }
  const cmd = new Redis(target.url, commandOptions(policy))
  return { cmd, sub: cmd.duplicate(subscriberOptions(policy)), cluster: false, where: redactUrl(target.url), onMastersChanged: () => undefined }
}
