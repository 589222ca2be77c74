/**
 * @module Conformance: the O(1) room and peer counts (issue 9 finding 1: the pre-join check and /api/stats used to
 * list every room to count them). Rooms are the rooms held; peers are the peer records held, expired ones included
 * until the sweep removes them.
 */
import { expect } from 'vitest'
import { join, peer, sweepAt, T0, type Define } from './fixtures.js'

export function countTests(test: Define) {
  test('counts start at zero and follow joins, a replacement and leaves', async (w) => {
    const a = await w.instance('a')
    expect(await a.rooms.counts()).toEqual({ rooms: 0, peers: 0 })
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r1', 'bob'))
    await join(a, peer('r2', 'carol'))
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 3 })
    // The same user again replaces its record: still three.
    await join(a, peer('r1', 'alice', { connectionId: 'alice-c2' }), { now: T0 + 1 })
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 3 })
    await a.rooms.leave('r1', 'alice', 'alice-c1', T0 + 2)
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 3 })
    await a.rooms.leave('r1', 'alice', 'alice-c2', T0 + 2)
    await a.rooms.leave('r1', 'alice', 'alice-c2', T0 + 2)
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 2 })
  })

  test('every instance sees the same counts', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    await join(b, peer('r1', 'bob', { instanceId: 'b' }))
    await join(b, peer('r2', 'carol', { instanceId: 'b' }))
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 3 })
    expect(await b.rooms.counts()).toEqual({ rooms: 2, peers: 3 })
  })

  test('a refused join changes nothing', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'), { maxPeers: 1, maxRooms: 1 })
    expect(await join(a, peer('r1', 'bob'), { maxPeers: 1, maxRooms: 1 })).toMatchObject({ ok: false, reason: 'room_full' })
    expect(await join(a, peer('r2', 'carol'), { maxPeers: 1, maxRooms: 1 })).toMatchObject({ ok: false, reason: 'rooms_exhausted' })
    expect(await a.rooms.counts()).toEqual({ rooms: 1, peers: 1 })
  })

  test('the sweep takes expired peers and deleted rooms off the counts; deleteRoom takes its peers off', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }))
    await join(a, peer('r1', 'bob'))
    await join(a, peer('r2', 'carol'))
    await join(a, peer('r3', 'dave'))
    await a.rooms.leave('r3', 'dave', 'dave-c1', T0 + 10)
    // alice expired, r3 empty past its grace.
    await sweepAt(a, T0 + 6000, { emptyGraceMs: 5000 })
    expect(await a.rooms.counts()).toEqual({ rooms: 2, peers: 2 })
    await a.rooms.deleteRoom('r2')
    expect(await a.rooms.counts()).toEqual({ rooms: 1, peers: 1 })
    // An inactive room goes with its peers.
    await sweepAt(a, T0 + 20_000, { inactivityMs: 10_000 })
    expect(await a.rooms.counts()).toEqual({ rooms: 0, peers: 0 })
  })

  test('a resume moves a record without changing the counts', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    const moved = await a.rooms.resume({ peer: peer('r1', 'alice', { connectionId: 'alice-c2' }), fromConnectionId: 'alice-c1', now: T0 + 5 })
    expect(moved.ok).toBe(true)
    expect(await a.rooms.counts()).toEqual({ rooms: 1, peers: 1 })
  })
}
