/** @module Redis key and channel names. Every key of one room shares the hash tag `{roomId}`, so a room lives on one Cluster shard. */
import type { Channel } from './bus.js'
import { StoreError } from './types.js'

/** The three keys of one room, in the order every room script takes them (KEYS[1..3]). */
export type RoomKeys = [meta: string, peers: string, leases: string]

export interface RedisKeys {
  /** meta: hash (createdAt, lastActivity, emptySince, seq); peers: hash userId -> "seq json"; leases: zset userId -> leaseUntil. */
  room(roomId: string): RoomKeys
  /** Set of the connection ids a sweep or a deletion just removed from the room (expires after a lease): never restored. */
  gone(roomId: string): string
  /** Sorted set of room ids scored by creation time: listRooms, sweep and maxRooms read it. */
  readonly index: string
  /** Peer records in all rooms (INCRBY after each room script): counting is O(1). */
  readonly peerCount: string
  /** Capped stream of audit events. */
  readonly audit: string
  /** Changes whenever Redis loses its data (restart without persistence, FLUSHALL): instances then restore their peers. */
  readonly epoch: string
  /** When the last cluster-wide sweep started (caller's clock). */
  readonly sweepMarker: string
  tokenUse(jti: string): string
  rateLimit(name: string): string
  /** A room's channel: it shares the room's hash tag (sharded pub/sub), so it lives on the room's shard. */
  roomChannel(roomId: string): string
  /**
   * Envelopes about a room addressed to one instance (the bus port's rule 9): in the room's slot too, so a Cluster
   * keeps every message about a room on one shard, in order, and spreads each instance's traffic over all shards.
   */
  addressed(roomId: string, instanceId: string): string
  /** The Redis channel an envelope about `roomId` takes for a bus channel. */
  channel(channel: Channel, roomId: string): string
  /** The channel `detectSharded` publishes to. */
  readonly probeChannel: string
  /** Everything under the prefix, for tests and operators (SCAN MATCH). */
  readonly pattern: string
}

/**
 * Builds the names under `prefix`. The prefix must not contain braces: Redis would take the first `{...}`
 * as the hash tag and put every key in one slot.
 */
export function redisKeys(prefix: string): RedisKeys {
  if (!/^[^{}\s]{1,64}$/.test(prefix)) throw new StoreError('REDIS_PREFIX must be 1-64 characters without braces or spaces')
  // Room and user ids cannot contain ':', '{' or '}' (protocol/ids.ts), so these names cannot collide.
  return {
    room: (roomId) => [`${prefix}:{${roomId}}:meta`, `${prefix}:{${roomId}}:peers`, `${prefix}:{${roomId}}:leases`],
    gone: (roomId) => `${prefix}:{${roomId}}:gone`,
    index: `${prefix}:rooms`,
    peerCount: `${prefix}:npeers`,
    audit: `${prefix}:audit`,
    epoch: `${prefix}:epoch`,
    sweepMarker: `${prefix}:swept`,
    tokenUse: (jti) => `${prefix}:jti:{${jti}}`,
    rateLimit: (name) => `${prefix}:rl:${name}:`,
    roomChannel: (roomId) => `${prefix}:{${roomId}}:bus`,
    addressed: (roomId, instanceId) => `${prefix}:{${roomId}}:to:${instanceId}`,
    channel: (ch, roomId) => (ch.kind === 'room' ? `${prefix}:{${ch.roomId}}:bus` : `${prefix}:{${roomId}}:to:${ch.instanceId}`),
    probeChannel: `${prefix}:{probe}`,
    pattern: `${prefix}:*`,
  }
}
