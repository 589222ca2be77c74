/** @module RoomStore over Redis: one Lua script per room operation (one shard, one round trip), plus the rooms index. */
import type { RedisClientLike, ScriptRunner } from './redis-client.js'
import type { RedisKeys } from './redis-keys.js'
import type { Presence } from './redis-presence.js'
import { asArray, parseEntry, parsePeers, roomRecord, toNumber } from './redis-replies.js'
import {
  StoreError,
  type JoinRequest,
  type JoinResult,
  type PeerRecord,
  type RoomRecord,
  type RoomStore,
  type SweepOptions,
  type SweepResult,
} from './types.js'

export interface RedisRoomsDeps {
  cmd: RedisClientLike
  run: ScriptRunner
  keys: RedisKeys
  presence: Presence
  /** Runs one store operation: rejects when closed, wraps failures in StoreError. */
  op: <T>(what: string, fn: () => Promise<T>) => Promise<T>
  onPartialFailure: (what: string, failed: number, err: unknown) => void
  /** At most one sweep (by any instance) starts per this many ms; 0 lets every call sweep. */
  sweepSpacingMs: number
  /** How long a swept or deleted connection stays in its room's `gone` set (a lease): its holder must not restore it. */
  goneTtlMs: number
}

/** An index entry without a room is a reservation whose join never ran; older than this it is dropped. */
const STALE_RESERVATION_MS = 60_000
/** Rooms read or swept per page of the index (auto-pipelined into one round trip per shard). */
const BATCH = 200

/** Index entries as [roomId, score] pairs (RESP2 returns a flat list, RESP3 a list of pairs). */
function indexPairs(reply: unknown): [string, number][] {
  const flat = asArray(reply, 'ZRANGE').flat()
  const out: [string, number][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), toNumber(flat[i + 1])])
  return out
}

/**
 * Runs `fn` on every room of the index, a page (about BATCH entries, ZSCAN) at a time: no single command reads the
 * whole index, so a million rooms never block the index's shard. ZSCAN returns every entry present for the whole scan
 * at least once; repeats are skipped here. Entries added meanwhile may be missed (the next sweep or listing has them).
 */
async function eachIndexPage<R>(cmd: RedisClientLike, index: string, fn: (roomId: string, score: number) => Promise<R>) {
  const out: PromiseSettledResult<R>[] = []
  const seen = new Set<string>()
  let cursor = '0'
  do {
    const reply = asArray(await cmd.call('ZSCAN', index, cursor, 'COUNT', BATCH), 'ZSCAN')
    cursor = String(reply[0])
    const page = indexPairs(reply[1] ?? []).filter(([roomId]) => !seen.has(roomId))
    for (const [roomId] of page) seen.add(roomId)
    out.push(...(await Promise.allSettled(page.map(([roomId, score]) => fn(roomId, score)))))
  } while (cursor !== '0')
  return out
}

export function createRedisRooms(d: RedisRoomsDeps): RoomStore {
  const { keys, run, op, presence } = d

  async function joinOnce({ peer, maxPeers, now }: JoinRequest, mode: 'join' | 'create'): Promise<unknown[]> {
    const args = [peer.userId, JSON.stringify(peer), peer.leaseUntil, now, maxPeers, mode]
    return asArray(await run('p2pJoin', keys.room(peer.roomId), args), 'join')
  }

  function joinResult({ peer, now }: JoinRequest, r: unknown[]): JoinResult {
    if (r[0] === 'full') return { ok: false, reason: 'room_full' }
    if (r[0] !== 'ok') throw new StoreError(`unexpected join reply: ${String(r[0])}`)
    const createdAt = toNumber(r[2])
    const previous = r[3] ? parseEntry(r[3], r[4]).peer : null
    // A Cluster client resends a command whose master failed mid-reply; if the first run reached the promoted
    // replica, the second finds this very connection's record: that is no replacement.
    const replaced = previous && previous.connectionId !== peer.connectionId ? previous : null
    const peers = parsePeers(r, 6)
    presence.track(peer, createdAt)
    if (replaced) presence.forget(replaced.connectionId)
    const peerCount = peers.length + (peer.leaseUntil > now ? 1 : 0)
    const room: RoomRecord = { roomId: peer.roomId, createdAt, lastActivity: now, peerCount, emptySince: null }
    return { ok: true, room, peers, replaced, created: toNumber(r[1]) === 1 }
  }

  async function readRoom(roomId: string, now: number): Promise<RoomRecord | null> {
    const [meta, , leases] = keys.room(roomId)
    const r = asArray(await run('p2pReadRoom', [meta, leases], [now]), 'getRoom')
    return r.length === 0 ? null : roomRecord(roomId, r[0], r[1], r[2], r[3])
  }

  const unindex = (roomId: string, min: number, max: number) => run('p2pUnindex', [keys.index], [roomId, min, max])

  /**
   * Moves the peer counter by what a room script just did. A separate command, since the counter lives in no room's
   * slot: an instance killed between the two leaves the counter off by one (counts() clamps at 0). It is a gauge for
   * /api/stats, never a limit; the limits (maxPeers, maxRooms) are enforced inside the scripts.
   */
  async function adjust(delta: number) {
    if (delta !== 0) await d.cmd.call('INCRBY', keys.peerCount, delta)
  }

  async function sweepRoom(roomId: string, score: number, opts: SweepOptions, into: SweepResult): Promise<void> {
    const r = asArray(await run('p2pSweepRoom', [...keys.room(roomId), keys.gone(roomId)], [opts.now, opts.inactivityMs, opts.emptyGraceMs, d.goneTtlMs]), 'sweep')
    if (r[0] === 'absent') {
      if (score <= opts.now - STALE_RESERVATION_MS) await unindex(roomId, 0, opts.now - STALE_RESERVATION_MS)
      return
    }
    const expiredCount = toNumber(r[3])
    const expired = parsePeers(r, 4, expiredCount)
    for (const p of expired) presence.forget(p.connectionId)
    into.expiredPeers.push(...expired)
    if (r[0] !== 'deleted') return adjust(-expired.length)
    const peers = parsePeers(r, 4 + 2 * expiredCount)
    for (const p of peers) presence.forget(p.connectionId)
    await adjust(-expired.length - peers.length)
    into.deletedRooms.push({ roomId, reason: r[1] === 'inactive' ? 'inactive' : 'empty', peers })
    const createdAt = toNumber(r[2])
    await unindex(roomId, createdAt, createdAt)
  }

  /** Settled results: partial failures are reported, a total failure throws the first error. */
  function settle<T>(what: string, results: PromiseSettledResult<T>[]): T[] {
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failures.length > 0 && failures.length === results.length) throw failures[0]?.reason
    if (failures.length > 0) d.onPartialFailure(what, failures.length, failures[0]?.reason)
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  }

  return {
    join: (req) =>
      op('join', async () => {
        let r = await joinOnce(req, 'join')
        if (r[0] === 'absent') {
          const reserved = await run('p2pReserve', [keys.index], [req.peer.roomId, req.maxRooms, req.now])
          if (toNumber(reserved) === 0) return { ok: false, reason: 'rooms_exhausted' }
          r = await joinOnce(req, 'create')
        }
        const result = joinResult(req, r)
        if (result.ok) await adjust(toNumber(r[5]))
        return result
      }),

    resume: ({ peer, fromConnectionId, now }) =>
      op('resume', async () => {
        const args = [peer.userId, fromConnectionId, JSON.stringify(peer), peer.leaseUntil, now]
        const r = asArray(await run('p2pResume', keys.room(peer.roomId), args), 'resume')
        if (r[0] !== 'ok') return { ok: false }
        const previous = parseEntry(r[2], r[3]).peer
        presence.forget(previous.connectionId)
        presence.track(peer, toNumber(r[1]))
        return { ok: true, peers: parsePeers(r, 4), previous }
      }),

    leave: (roomId, userId, connectionId, now) =>
      op('leave', async () => {
        // Forgotten first: if the call fails, the record's lease lapses and a sweep announces the departure.
        presence.forget(connectionId)
        const r = asArray(await run('p2pLeave', keys.room(roomId), [userId, connectionId, now]), 'leave')
        const removed = r[0] ? parseEntry(r[0], r[1]).peer : null
        if (removed) await adjust(-1)
        return { removed, remaining: toNumber(r[2]) }
      }),

    getRoom: (roomId, now) => op('getRoom', () => readRoom(roomId, now)),

    counts: () =>
      op('counts', async () => {
        const [rooms, peers] = await Promise.all([d.cmd.call('ZCARD', keys.index), d.cmd.call('GET', keys.peerCount)])
        return { rooms: toNumber(rooms), peers: Math.max(0, toNumber(peers ?? 0)) }
      }),

    listRooms: (now) =>
      op('listRooms', async () => {
        const rooms = settle('listRooms', await eachIndexPage(d.cmd, keys.index, (id) => readRoom(id, now)))
        return rooms.filter((r): r is RoomRecord => r !== null).sort((x, y) => x.createdAt - y.createdAt || (x.roomId < y.roomId ? -1 : 1))
      }),

    listPeers: (roomId, now) =>
      op('listPeers', async () => parsePeers(asArray(await run('p2pListPeers', keys.room(roomId).slice(1), [now]), 'listPeers'), 0)),

    touchRoom: (roomId, now) =>
      op('touchRoom', async () => {
        await run('p2pTouch', [keys.room(roomId)[0]], [now])
      }),

    renewLeases: (instanceId, leaseUntil) => op('renewLeases', () => presence.renew(instanceId, leaseUntil)),

    deleteRoom: (roomId) =>
      op('deleteRoom', async () => {
        const r = asArray(await run('p2pDeleteRoom', [...keys.room(roomId), keys.gone(roomId)], [d.goneTtlMs]), 'deleteRoom')
        if (r[0] === '' || r[0] === null) return []
        const peers: PeerRecord[] = parsePeers(r, 1)
        for (const p of peers) presence.forget(p.connectionId)
        await adjust(-peers.length)
        await unindex(roomId, toNumber(r[0]), toNumber(r[0]))
        return peers
      }),

    sweep: (opts) =>
      op('sweep', async () => {
        const result: SweepResult = { expiredPeers: [], deletedRooms: [] }
        if (presence.sweepOnHold()) return result
        if (d.sweepSpacingMs > 0 && toNumber(await run('p2pSweepGate', [keys.sweepMarker], [opts.now, d.sweepSpacingMs])) === 0) return result
        settle('sweep', await eachIndexPage(d.cmd, keys.index, (roomId, score) => sweepRoom(roomId, score, opts, result)))
        return result
      }),
  }
}
