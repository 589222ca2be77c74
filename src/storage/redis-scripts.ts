/**
 * @module The Lua scripts of the Redis backend, registered by name (EVALSHA via ioredis defineCommand). Each touches
 * one room's keys or one other key, so it runs atomically on one Cluster shard; deadlines come from the caller's `now`.
 */
import { DELETE_ROOM, JOIN, LEAVE, LIST_PEERS, RENEW, RESTORE, RESUME, SWEEP_ROOM } from './redis-room-scripts.js'

/** KEYS meta, leases. ARGV now. Returns {} or {createdAt, lastActivity, emptySince or '', liveCount}. */
const READ_ROOM = `
local m = redis.call('HMGET', KEYS[1], 'createdAt', 'lastActivity', 'emptySince')
if not m[1] then return {} end
return {m[1], m[2] or m[1], m[3] or '', redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')}
`

/** KEYS meta. ARGV now. Moves lastActivity forward; no-op for a missing room. */
const TOUCH = `
local last = redis.call('HGET', KEYS[1], 'lastActivity')
if last and tonumber(last) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'lastActivity', ARGV[1]) end
return 0
`

/**
 * KEYS index. ARGV roomId, maxRooms, now. Reserves a place for a new room: 0 when maxRooms are indexed.
 * An existing entry gets the new score, so a sweeper's conditional unindex of an older room of that id misses it.
 */
const RESERVE = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`

/** KEYS index. ARGV roomId, minScore, maxScore. Removes the entry only when its score is in range. */
const UNINDEX = `
local s = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if s and s >= tonumber(ARGV[2]) and s <= tonumber(ARGV[3]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`

/** KEYS jti key. ARGV expiresAt (epoch ms). Counts a use; the record expires with the token. */
const TOKEN_USE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return n
`

/**
 * KEYS sweep marker. ARGV now, spacingMs. 1 when this caller should sweep: the last sweep (any instance) started at
 * least spacingMs ago. A marker in the future (clock skew) never blocks: the caller sweeps and resets it.
 */
const SWEEP_GATE = `
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
if now >= last and now - last < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`

export const SCRIPTS = {
  p2pJoin: { numberOfKeys: 3, lua: JOIN },
  p2pResume: { numberOfKeys: 3, lua: RESUME },
  p2pLeave: { numberOfKeys: 3, lua: LEAVE },
  p2pReadRoom: { numberOfKeys: 2, lua: READ_ROOM },
  p2pListPeers: { numberOfKeys: 2, lua: LIST_PEERS },
  p2pTouch: { numberOfKeys: 1, lua: TOUCH },
  p2pRenew: { numberOfKeys: 2, lua: RENEW },
  p2pSweepRoom: { numberOfKeys: 4, lua: SWEEP_ROOM },
  p2pDeleteRoom: { numberOfKeys: 4, lua: DELETE_ROOM },
  p2pReserve: { numberOfKeys: 1, lua: RESERVE },
  p2pUnindex: { numberOfKeys: 1, lua: UNINDEX },
  p2pRestore: { numberOfKeys: 4, lua: RESTORE },
  p2pTokenUse: { numberOfKeys: 1, lua: TOKEN_USE },
  p2pSweepGate: { numberOfKeys: 1, lua: SWEEP_GATE },
} as const

export type ScriptName = keyof typeof SCRIPTS
