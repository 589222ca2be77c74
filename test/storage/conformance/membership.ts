/** @module Conformance: atomic join with capacity, room limits, same-user replacement, leave. */
import { expect } from 'vitest'
import type { JoinResult } from '../../../src/storage/types.js'
import { join, peer, T0, type Define } from './fixtures.js'

const okCount = (results: JoinResult[]) => results.filter((r) => r.ok).length

export function membershipTests(test: Define) {
  test('20 concurrent joins of distinct users into a room of capacity 5 admit exactly 5, across instances', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const backend = i % 2 === 0 ? a : b
        return join(backend, peer('r1', `u${i}`, { instanceId: i % 2 === 0 ? 'a' : 'b' }), { maxPeers: 5 })
      }),
    )
    expect(okCount(results)).toBe(5)
    expect(results.filter((r) => !r.ok && r.reason === 'room_full')).toHaveLength(15)
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(1)
    expect(await a.rooms.listPeers('r1', T0)).toHaveLength(5)
    expect((await b.rooms.getRoom('r1', T0))?.peerCount).toBe(5)
  })

  test('maxRooms refuses a new room with rooms_exhausted but admits to existing rooms', async (w) => {
    const a = await w.instance('a')
    expect((await join(a, peer('r1', 'alice'), { maxRooms: 2 })).ok).toBe(true)
    expect((await join(a, peer('r2', 'bob'), { maxRooms: 2 })).ok).toBe(true)
    expect(await join(a, peer('r3', 'carol'), { maxRooms: 2 })).toEqual({ ok: false, reason: 'rooms_exhausted' })
    expect((await join(a, peer('r1', 'dave'), { maxRooms: 2 })).ok).toBe(true)
    expect(await a.rooms.getRoom('r3', T0)).toBeNull()
  })

  test('concurrent creation of 10 rooms with maxRooms 3 creates exactly 3', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => join(i % 2 ? a : b, peer(`r${i}`, `u${i}`), { maxRooms: 3 })))
    expect(okCount(results)).toBe(3)
    expect(await a.rooms.listRooms(T0)).toHaveLength(3)
  })

  test('the same user joining again replaces the previous record and returns it', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r1', 'bob'))
    const again = peer('r1', 'alice', { connectionId: 'alice-c2', instanceId: 'b', joinedAt: T0 + 10, leaseUntil: T0 + 40_000 })
    const r = await join(b, again, { now: T0 + 10, maxPeers: 2 })
    expect(r).toMatchObject({ ok: true, created: false, replaced: peer('r1', 'alice') })
    if (r.ok) expect(r.peers.map((p) => p.userId)).toEqual(['bob'])
    if (r.ok) expect(r.room.peerCount).toBe(2)
    const peers = await a.rooms.listPeers('r1', T0 + 10)
    expect(peers.map((p) => [p.userId, p.connectionId])).toEqual([
      ['bob', 'bob-c1'],
      ['alice', 'alice-c2'],
    ])
  })

  test('a full room still admits the replacement of a member', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'), { maxPeers: 1 })
    expect(await join(a, peer('r1', 'bob'), { maxPeers: 1 })).toEqual({ ok: false, reason: 'room_full' })
    const r = await join(a, peer('r1', 'alice', { connectionId: 'alice-c2' }), { maxPeers: 1 })
    expect(r.ok && r.replaced?.connectionId).toBe('alice-c1')
  })

  test('the join reply and listPeers list the other peers oldest first', async (w) => {
    const a = await w.instance('a')
    for (const u of ['x', 'y', 'z']) await join(a, peer('r1', u))
    const r = await join(a, peer('r1', 'w'))
    if (r.ok) expect(r.peers.map((p) => p.userId)).toEqual(['x', 'y', 'z'])
    expect((await a.rooms.listPeers('r1', T0)).map((p) => p.userId)).toEqual(['x', 'y', 'z', 'w'])
  })

  test('leave removes a peer only with its connectionId and reports the remaining count', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r1', 'bob'))
    expect(await a.rooms.leave('r1', 'alice', 'stale-connection', T0 + 1)).toEqual({ removed: null, remaining: 2 })
    expect(await a.rooms.leave('r1', 'alice', 'alice-c1', T0 + 2)).toEqual({ removed: peer('r1', 'alice'), remaining: 1 })
    expect(await a.rooms.leave('r1', 'alice', 'alice-c1', T0 + 3)).toEqual({ removed: null, remaining: 1 })
    expect(await a.rooms.leave('nope', 'alice', 'alice-c1', T0 + 3)).toEqual({ removed: null, remaining: 0 })
    expect((await a.rooms.getRoom('r1', T0 + 3))?.lastActivity).toBe(T0 + 2)
  })

  test('the last leave marks the room empty and the next join clears the mark', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await a.rooms.leave('r1', 'alice', 'alice-c1', T0 + 10)
    expect(await a.rooms.getRoom('r1', T0 + 10)).toMatchObject({ peerCount: 0, emptySince: T0 + 10 })
    await join(a, peer('r1', 'bob'), { now: T0 + 20 })
    expect(await a.rooms.getRoom('r1', T0 + 20)).toMatchObject({ peerCount: 1, emptySince: null, lastActivity: T0 + 20 })
  })
}
