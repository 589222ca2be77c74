/** @module Conformance: leases, renewal, and the sweep (expired peers, empty and inactive rooms), each reported once. */
import { expect } from 'vitest'
import { join, peer, sweepAt, T0, type Define } from './fixtures.js'

export function expiryTests(test: Define) {
  test('a peer whose lease has passed is excluded from listPeers and counts', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }))
    await join(a, peer('r1', 'bob'))
    expect(await a.rooms.listPeers('r1', T0 + 999)).toHaveLength(2)
    expect((await a.rooms.listPeers('r1', T0 + 1000)).map((p) => p.userId)).toEqual(['bob'])
    expect((await a.rooms.getRoom('r1', T0 + 1000))?.peerCount).toBe(1)
  })

  test('the sweep returns an expired peer exactly once, even when two instances sweep at once', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }))
    await join(a, peer('r1', 'bob'))
    const [ra, rb] = await Promise.all([sweepAt(a, T0 + 1000), sweepAt(b, T0 + 1000)])
    expect([...ra.expiredPeers, ...rb.expiredPeers]).toEqual([peer('r1', 'alice', { leaseUntil: T0 + 1000 })])
    expect((await sweepAt(a, T0 + 2000)).expiredPeers).toEqual([])
    expect((await a.rooms.listPeers('r1', T0 + 2000)).map((p) => p.userId)).toEqual(['bob'])
  })

  test('renewLeases extends the leases of that instance only', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }))
    await join(b, peer('r1', 'bob', { instanceId: 'b', leaseUntil: T0 + 1000 }))
    await join(a, peer('r2', 'carol', { leaseUntil: T0 + 1000 }))
    await a.rooms.renewLeases('a', T0 + 5000)
    expect((await a.rooms.listPeers('r1', T0 + 2000)).map((p) => [p.userId, p.leaseUntil])).toEqual([['alice', T0 + 5000]])
    expect((await b.rooms.listPeers('r2', T0 + 2000)).map((p) => p.userId)).toEqual(['carol'])
    expect((await sweepAt(b, T0 + 2000)).expiredPeers.map((p) => p.userId)).toEqual(['bob'])
  })

  test('a join neither counts expired peers against capacity nor swallows them: the sweep still reports them', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }), { maxPeers: 1 })
    const r = await join(a, peer('r1', 'bob', { leaseUntil: T0 + 60_000 }), { maxPeers: 1, now: T0 + 2000 })
    expect(r).toMatchObject({ ok: true, peers: [], replaced: null })
    const swept = await sweepAt(a, T0 + 2000)
    expect(swept.expiredPeers.map((p) => p.userId)).toEqual(['alice'])
  })

  test('an empty room is deleted by the sweep once the grace has passed, and only then', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await a.rooms.leave('r1', 'alice', 'alice-c1', T0 + 10)
    expect((await sweepAt(a, T0 + 10 + 4999, { emptyGraceMs: 5000 })).deletedRooms).toEqual([])
    expect(await a.rooms.getRoom('r1', T0 + 5009)).not.toBeNull()
    const swept = await sweepAt(a, T0 + 10 + 5000, { emptyGraceMs: 5000 })
    expect(swept.deletedRooms).toEqual([{ roomId: 'r1', reason: 'empty', peers: [] }])
    expect(await a.rooms.getRoom('r1', T0 + 5010)).toBeNull()
    expect(await a.rooms.listRooms(T0 + 5010)).toEqual([])
  })

  test('a room emptied by expiry is marked empty by the sweep and deleted after the grace', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 1000 }))
    const first = await sweepAt(a, T0 + 1000, { emptyGraceMs: 5000 })
    expect(first.expiredPeers.map((p) => p.userId)).toEqual(['alice'])
    expect(await a.rooms.getRoom('r1', T0 + 1000)).toMatchObject({ peerCount: 0, emptySince: T0 + 1000 })
    expect((await sweepAt(a, T0 + 6000, { emptyGraceMs: 5000 })).deletedRooms.map((r) => r.roomId)).toEqual(['r1'])
  })

  test('an inactive room is deleted with its peers, each reported once', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice', { leaseUntil: T0 + 100_000 }))
    await join(a, peer('r1', 'bob', { leaseUntil: T0 + 100_000 }))
    await a.rooms.touchRoom('r1', T0 + 500)
    expect((await sweepAt(a, T0 + 60_000, { inactivityMs: 60_000 })).deletedRooms).toEqual([])
    const [ra, rb] = await Promise.all([sweepAt(a, T0 + 60_500, { inactivityMs: 60_000 }), sweepAt(b, T0 + 60_500, { inactivityMs: 60_000 })])
    const deleted = [...ra.deletedRooms, ...rb.deletedRooms]
    expect(deleted).toHaveLength(1)
    expect(deleted[0]).toMatchObject({ roomId: 'r1', reason: 'inactive' })
    expect(deleted[0]?.peers.map((p) => p.userId).sort()).toEqual(['alice', 'bob'])
    expect(await a.rooms.listPeers('r1', T0 + 60_500)).toEqual([])
    expect(await a.rooms.getRoom('r1', T0 + 60_500)).toBeNull()
  })
}
