/**
 * @module The peers this instance holds, as the Redis backend tracks them: lease renewal, and restoring them
 * when Redis comes back without its data (restart without persistence, FLUSHALL).
 */
import type { Clock } from '../lib/clock.js'
import { randomId } from '../lib/ids.js'
import type { Logger } from '../lib/logger.js'
import type { RedisClientLike, ScriptRunner } from './redis-client.js'
import type { RedisKeys } from './redis-keys.js'
import { asArray } from './redis-replies.js'
import { StoreError, type PeerRecord } from './types.js'

interface OwnedPeer {
  peer: PeerRecord
  roomCreatedAt: number
}

export interface PresenceDeps {
  cmd: RedisClientLike
  run: ScriptRunner
  keys: RedisKeys
  logger: Logger
  clock: Clock
  leaseTtlMs: number
}

export type Presence = ReturnType<typeof createPresence>

export function createPresence(d: PresenceDeps) {
  const { keys, logger } = d
  /** connectionId -> peer joined through this backend and not yet left, expired or replaced. */
  const owned = new Map<string, OwnedPeer>()
  let epoch: string | null = null
  let sweepHoldUntil = 0
  /**
   * Renewal and restore run one at a time: a renewal racing a restore would find the peers still missing, see the
   * epoch already updated, and drop them from `owned`, so they would be restored once and then expire.
   */
  let queue: Promise<unknown> = Promise.resolve()
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn)
    queue = run.catch(() => undefined)
    return run
  }

  /** The data epoch: set once by the first instance, gone when Redis loses its data. */
  async function readEpoch(): Promise<string> {
    await d.cmd.call('SET', keys.epoch, randomId(), 'NX')
    const current = await d.cmd.call('GET', keys.epoch)
    if (typeof current !== 'string') throw new StoreError('Redis epoch marker is unreadable')
    return current
  }

  async function epochChanged(): Promise<boolean> {
    const current = await readEpoch()
    if (current === epoch) return false
    epoch = current
    return true
  }

  function byRoom(instanceId: string | null): Map<string, OwnedPeer[]> {
    const rooms = new Map<string, OwnedPeer[]>()
    for (const o of owned.values()) {
      if (instanceId !== null && o.peer.instanceId !== instanceId) continue
      const list = rooms.get(o.peer.roomId)
      if (list) list.push(o)
      else rooms.set(o.peer.roomId, [o])
    }
    return rooms
  }

  type RestoreStatus = 'restored' | 'present' | 'superseded' | 'gone' | 'left'

  /**
   * Puts one held peer back (never displacing a newer connection of the same user, never one a sweep or a deletion
   * removed) and re-indexes its room. `count`: whether the peer counter lost it too (a whole-Redis loss does; a
   * failover loses only the room's shard, and the counter lives elsewhere).
   */
  async function restoreOne({ peer, roomCreatedAt }: OwnedPeer, now: number, count: boolean): Promise<RestoreStatus> {
    // Left while the restore was under way: putting it back would leave a record nobody renews.
    if (!owned.has(peer.connectionId)) return 'left'
    const args = [peer.userId, peer.connectionId, JSON.stringify(peer), now + d.leaseTtlMs, roomCreatedAt, now]
    const status = String(await d.run('p2pRestore', [...keys.room(peer.roomId), keys.gone(peer.roomId)], args)) as RestoreStatus
    if (status === 'superseded' || status === 'gone') {
      owned.delete(peer.connectionId)
      return status
    }
    await d.cmd.call('ZADD', keys.index, 'NX', roomCreatedAt, peer.roomId)
    if (status === 'restored' && count) await d.cmd.call('INCRBY', keys.peerCount, 1)
    return status
  }

  /** Redis lost its data: puts every held peer back. */
  async function restore(): Promise<void> {
    const now = d.clock.now()
    const results = await Promise.allSettled([...owned.values()].map((o) => restoreOne(o, now, true)))
    const failed = results.filter((r) => r.status === 'rejected').length
    logger.warn('Redis lost its data: restored the peers held by this instance', { peers: results.length - failed, failed })
  }

  /** Extends the leases of the held peers of `instanceId` (all held peers when null), one script per room. */
  async function renew(instanceId: string | null, leaseUntil: number): Promise<void> {
    const rooms = [...byRoom(instanceId)]
    const replies = await Promise.allSettled(
      rooms.map(([roomId, list]) => {
        const pairs = list.flatMap((o) => [o.peer.userId, o.peer.connectionId])
        return d.run('p2pRenew', keys.room(roomId).slice(1), [leaseUntil, ...pairs])
      }),
    )
    const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    // Some rooms' shard did not answer (a Cluster shard down, or all of Redis): every instance's renewals there fail
    // alike, so nobody sweeps for one lease, giving everyone time to renew once the shard is back.
    if (failed) sweepHoldUntil = Math.max(sweepHoldUntil, d.clock.now() + d.leaseTtlMs)
    const lost: OwnedPeer[] = []
    replies.forEach((settled, i) => {
      if (settled.status === 'rejected') return
      const gone = new Set(asArray(settled.value, 'renew'))
      // Peers that left meanwhile are gone on purpose; only the ones still held need an explanation.
      for (const o of rooms[i]?.[1] ?? []) {
        if (gone.has(o.peer.connectionId) && owned.get(o.peer.connectionId) === o) lost.push(o)
      }
    })
    if (lost.length > 0) await settleLost(lost)
    if (failed) throw failed.reason
  }

  /**
   * Held peers a renewal did not find. Redis lost its data: restore them all. Otherwise each one was replaced by a
   * newer connection of the same user, removed by a sweep or a deletion (its `gone` mark says so; the bus tells this
   * instance to close its socket), or lost with a shard's last writes: a Cluster master that failed before its replica
   * had them (replication is asynchronous). That last kind is put back.
   */
  async function settleLost(lost: OwnedPeer[]): Promise<void> {
    if (await epochChanged()) return restore()
    const now = d.clock.now()
    const results = await Promise.allSettled(lost.map((o) => restoreOne(o, now, false)))
    const tally: Record<string, number> = {}
    for (const r of results) {
      const key = r.status === 'fulfilled' ? r.value : 'failed'
      tally[key] = (tally[key] ?? 0) + 1
    }
    const level = tally.restored || tally.failed ? 'warn' : 'info'
    logger[level]('held peers missing from Redis: restored the ones its shard lost, dropped the replaced or removed', tally)
  }

  return {
    track(peer: PeerRecord, roomCreatedAt: number) {
      owned.set(peer.connectionId, { peer, roomCreatedAt })
    },
    forget(connectionId: string) {
      owned.delete(connectionId)
    },
    /** Records the data epoch at startup. */
    async start() {
      epoch = await readEpoch()
    },
    renew: (instanceId: string | null, leaseUntil: number) => exclusive(() => renew(instanceId, leaseUntil)),
    /**
     * After a reconnect: restore held peers if the data is gone, else renew them at once. Sweeps wait one lease
     * so that every instance has renewed (or restored) before anyone expires peers whose renewals failed meanwhile.
     */
    reconnected() {
      sweepHoldUntil = d.clock.now() + d.leaseTtlMs
      return exclusive(async () => {
        if (await epochChanged()) await restore()
        else await renew(null, d.clock.now() + d.leaseTtlMs)
      })
    },
    sweepOnHold: () => d.clock.now() < sweepHoldUntil,
  }
}
