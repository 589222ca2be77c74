/**
 * @module Lua scripts for room membership. Each touches the three keys of ONE room (meta, peers, leases), so it runs
 * atomically on one Cluster shard. Deadlines are compared with the caller's `now` (ARGV), never with Redis's clock.
 *
 * A peer entry in the `peers` hash is "<seq> <PeerRecord JSON>": seq keeps join order; the live lease is the score in
 * `leases` (the JSON keeps the lease from join time).
 */

/** The connection id inside a peer entry. */
const CONN_OF = `
local function connOf(entry)
  return cjson.decode(string.sub(entry, string.find(entry, ' ', 1, true) + 1)).connectionId
end
`

/** Appends entry, lease pairs for every live peer but `userId` (`live` is ZRANGEBYSCORE ... WITHSCORES). */
const APPEND_OTHERS = `
local function appendOthers(out, peers, live, userId)
  for i = 1, #live, 2 do
    if live[i] ~= userId then
      local e = redis.call('HGET', peers, live[i])
      if e then
        out[#out + 1] = e
        out[#out + 1] = live[i + 1]
      end
    end
  end
end
`

/**
 * KEYS meta, peers, leases. ARGV userId, peerJson, leaseUntil, now, maxPeers, mode ('join' | 'create').
 * Returns {'absent'} (mode join, no room), {'full'}, or {'ok', created, createdAt, replacedEntry, replacedLease, added
 * (1 when the user had no record: the peer count grows), then entry, lease for every other live peer}. Expired peers
 * stay for the sweep to report.
 */
export const JOIN = `${APPEND_OTHERS}
local meta, peers, leases = KEYS[1], KEYS[2], KEYS[3]
local userId, now = ARGV[1], tonumber(ARGV[4])
local created = 0
if redis.call('EXISTS', meta) == 0 then
  if ARGV[6] ~= 'create' then return {'absent'} end
  created = 1
end
local prev = redis.call('ZSCORE', leases, userId)
local prevLive = prev and tonumber(prev) > now
local live = redis.call('ZRANGEBYSCORE', leases, '(' .. ARGV[4], '+inf', 'WITHSCORES')
if #live / 2 - (prevLive and 1 or 0) >= tonumber(ARGV[5]) then return {'full'} end
if created == 1 then redis.call('HSET', meta, 'createdAt', ARGV[4], 'seq', 0) end
local out = {'ok', created, '', '', '', redis.call('HEXISTS', peers, userId) == 1 and 0 or 1}
if prevLive then
  out[4] = redis.call('HGET', peers, userId) or ''
  out[5] = prev
end
appendOthers(out, peers, live, userId)
local seq = redis.call('HINCRBY', meta, 'seq', 1)
redis.call('HSET', peers, userId, seq .. ' ' .. ARGV[2])
redis.call('ZADD', leases, ARGV[3], userId)
redis.call('HSET', meta, 'lastActivity', ARGV[4])
redis.call('HDEL', meta, 'emptySince')
out[3] = redis.call('HGET', meta, 'createdAt')
return out
`

/**
 * KEYS meta, peers, leases. ARGV userId, fromConnectionId, peerJson, leaseUntil, now. Moves a session to a new
 * connection when the user's entry still names `fromConnectionId` with a live lease; keeps its seq (join order).
 * Returns {'absent'} or {'ok', createdAt, previousEntry, previousLease, then entry, lease for every other live peer}.
 */
export const RESUME = `${CONN_OF}${APPEND_OTHERS}
local meta, peers, leases = KEYS[1], KEYS[2], KEYS[3]
local userId, now = ARGV[1], tonumber(ARGV[5])
local entry = redis.call('HGET', peers, userId)
if not entry or connOf(entry) ~= ARGV[2] then return {'absent'} end
local lease = redis.call('ZSCORE', leases, userId)
if not lease or tonumber(lease) <= now then return {'absent'} end
local seq = string.sub(entry, 1, string.find(entry, ' ', 1, true) - 1)
redis.call('HSET', peers, userId, seq .. ' ' .. ARGV[3])
redis.call('ZADD', leases, ARGV[4], userId)
redis.call('HSET', meta, 'lastActivity', ARGV[5])
local out = {'ok', redis.call('HGET', meta, 'createdAt') or ARGV[5], entry, lease}
appendOthers(out, peers, redis.call('ZRANGEBYSCORE', leases, '(' .. ARGV[5], '+inf', 'WITHSCORES'), userId)
return out
`

/** KEYS meta, peers, leases. ARGV userId, connectionId, now. Returns {removedEntry or '', lease, remainingLive}. */
export const LEAVE = `${CONN_OF}
local function live() return redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[3], '+inf') end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry or connOf(entry) ~= ARGV[2] then return {'', '0', live()} end
local lease = redis.call('ZSCORE', KEYS[3], ARGV[1]) or '0'
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'lastActivity', ARGV[3])
  if redis.call('HLEN', KEYS[2]) == 0 and redis.call('HEXISTS', KEYS[1], 'emptySince') == 0 then
    redis.call('HSET', KEYS[1], 'emptySince', ARGV[3])
  end
end
return {entry, lease, live()}
`

/** KEYS peers, leases. ARGV now. Returns entry, lease pairs of the live peers. */
export const LIST_PEERS = `
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  local e = redis.call('HGET', KEYS[1], live[i])
  if e then
    out[#out + 1] = e
    out[#out + 1] = live[i + 1]
  end
end
return out
`

/** KEYS peers, leases. ARGV leaseUntil, then userId, connectionId pairs. Returns the connectionIds not renewed (gone or replaced). */
export const RENEW = `${CONN_OF}
local out = {}
for i = 2, #ARGV, 2 do
  local e = redis.call('HGET', KEYS[1], ARGV[i])
  if e and connOf(e) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[2], 'GT', ARGV[1], ARGV[i])
  else
    out[#out + 1] = ARGV[i + 1]
  end
end
return out
`

/**
 * Records the connections a sweep or a deletion removed in the room's `gone` set (KEYS[4]) for `ttl` ms, so that the
 * instance holding one of them, if its renewal finds it missing before the bus tells it why, does not restore it.
 */
const BURY = `${CONN_OF}
local function bury(gone, entry, ttl)
  redis.call('SADD', gone, connOf(entry))
  redis.call('PEXPIRE', gone, ttl)
end
`

/**
 * KEYS meta, peers, leases, gone. ARGV now, inactivityMs, emptyGraceMs, goneTtlMs. Removes expired peers; deletes
 * the room when empty past the grace or inactive. Returns {'absent'} or {status ('kept' | 'deleted'), reason,
 * createdAt, expiredCount, expired entry, lease pairs, then (when deleted) the remaining entry, lease pairs}.
 */
export const SWEEP_ROOM = `${BURY}
local meta, peers, leases, gone = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = tonumber(ARGV[1])
if redis.call('EXISTS', meta) == 0 then
  redis.call('DEL', peers, leases)
  return {'absent'}
end
local out = {'kept', '', '', 0}
local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', ARGV[1], 'WITHSCORES')
for i = 1, #expired, 2 do
  local e = redis.call('HGET', peers, expired[i])
  redis.call('HDEL', peers, expired[i])
  if e then
    bury(gone, e, ARGV[4])
    out[#out + 1] = e
    out[#out + 1] = expired[i + 1]
  end
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', leases, '-inf', ARGV[1]) end
out[4] = (#out - 4) / 2
local remaining = redis.call('HLEN', peers)
local m = redis.call('HMGET', meta, 'createdAt', 'lastActivity', 'emptySince')
local emptySince = tonumber(m[3])
if remaining == 0 and not emptySince then
  emptySince = now
  redis.call('HSET', meta, 'emptySince', ARGV[1])
end
local emptyGone = emptySince and remaining == 0 and now - emptySince >= tonumber(ARGV[3])
if not emptyGone and now - tonumber(m[2] or m[1]) < tonumber(ARGV[2]) then return out end
out[1] = 'deleted'
out[2] = remaining == 0 and 'empty' or 'inactive'
out[3] = m[1]
local rest = redis.call('HGETALL', peers)
for i = 1, #rest, 2 do
  bury(gone, rest[i + 1], ARGV[4])
  out[#out + 1] = rest[i + 1]
  out[#out + 1] = redis.call('ZSCORE', leases, rest[i]) or '0'
end
redis.call('DEL', meta, peers, leases)
return out
`

/** KEYS meta, peers, leases, gone. ARGV goneTtlMs. Returns {createdAt or '', entry, lease pairs}. */
export const DELETE_ROOM = `${BURY}
local out = {redis.call('HGET', KEYS[1], 'createdAt') or ''}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  bury(KEYS[4], all[i + 1], ARGV[1])
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('ZSCORE', KEYS[3], all[i]) or '0'
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return out
`

/**
 * KEYS meta, peers, leases, gone. ARGV userId, connectionId, peerJson, leaseUntil, createdAt, now. Puts back a peer
 * this instance holds after Redis lost its data (all of it, or a shard's last writes in a failover); never displaces
 * another connection of the same user, never brings back one a sweep or a deletion removed ('gone').
 */
export const RESTORE = `${CONN_OF}
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then return 'gone' end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'createdAt', ARGV[5], 'lastActivity', ARGV[6], 'seq', 0)
end
local e = redis.call('HGET', KEYS[2], ARGV[1])
if e then
  if connOf(e) ~= ARGV[2] then return 'superseded' end
  redis.call('ZADD', KEYS[3], 'GT', ARGV[4], ARGV[1])
  return 'present'
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[2], ARGV[1], seq .. ' ' .. ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('HDEL', KEYS[1], 'emptySince')
return 'restored'
`
