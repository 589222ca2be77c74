/** @module Redis key and channel names. Every key of one room shares the hash tag `{roomId}`, so a room lives on one Cluster shard. */
import type { Channel } from './bus.js'
import { StoreError } from './types.js'

/** The three keys of one room, in the order every room script takes them (KEYS[1..3]). */
export type RoomKeys = [meta: string, peers: string, leases: string]

export interface RedisKeys {
  /** meta: hash (createdAt, lastActivity, emptySince, seq); peers: hash userId -> "seq json"; leases: zset userId -> leaseUntil. */
  room(roomId: string): RoomKeys
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
  /** The Redis channel for a bus channel: a room's channel shares the room's hash tag (sharded pub/sub). */
  channel(channel: Channel): string
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
    index: `${prefix}:rooms`,
    peerCount: `${prefix}:npeers`,
    audit: `${prefix}:audit`,
    epoch: `${prefix}:epoch`,
    sweepMarker: `${prefix}:swept`,
    tokenUse: (jti) => `${prefix}:jti:{${jti}}`,
    rateLimit: (name) => `${prefix}:rl:${name}:`,
    channel: (ch) => (ch.kind === 'room' ? `${prefix}:{${ch.roomId}}:bus` : `${prefix}:{inst:${ch.instanceId}}`),
    probeChannel: `${prefix}:{probe}`,
    pattern: `${prefix}:*`,
  }
}
