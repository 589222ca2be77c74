/** @module Conformance: room records (creation by join, shapes, absence, deletion, activity). */
import { expect } from 'vitest'
import { join, peer, T0, type Define } from './fixtures.js'

export function roomTests(test: Define) {
  test('the first join creates the room; getRoom and listRooms show it', async (w) => {
    const a = await w.instance('a')
    const r = await join(a, peer('r1', 'alice'))
    expect(r).toMatchObject({ ok: true, created: true, peers: [], replaced: null })
    const expected = { roomId: 'r1', createdAt: T0, lastActivity: T0, peerCount: 1, emptySince: null }
    if (r.ok) expect(r.room).toEqual(expected)
    expect(await a.rooms.getRoom('r1', T0)).toEqual(expected)
    expect(await a.rooms.listRooms(T0)).toEqual([expected])
    expect(await a.rooms.listPeers('r1', T0)).toEqual([peer('r1', 'alice')])
  })

  test('absence is null for a room and [] for collections', async (w) => {
    const a = await w.instance('a')
    expect(await a.rooms.getRoom('nope', T0)).toBeNull()
    expect(await a.rooms.listRooms(T0)).toEqual([])
    expect(await a.rooms.listPeers('nope', T0)).toEqual([])
    expect(await a.rooms.deleteRoom('nope')).toEqual([])
  })

  test('listRooms lists rooms in creation order with live peer counts', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r2', 'bob'), { now: T0 + 1 })
    await join(a, peer('r2', 'carol'), { now: T0 + 2 })
    const rooms = await a.rooms.listRooms(T0 + 2)
    expect(rooms.map((r) => [r.roomId, r.peerCount, r.createdAt])).toEqual([
      ['r1', 1, T0],
      ['r2', 2, T0 + 1],
    ])
  })

  test('a second instance sees the same room and peers', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    const r = await join(b, peer('r1', 'bob', { instanceId: 'b' }), { now: T0 + 5 })
    expect(r.ok && r.created).toBe(false)
    if (r.ok) expect(r.peers).toEqual([peer('r1', 'alice')])
    expect((await a.rooms.listPeers('r1', T0 + 5)).map((p) => [p.userId, p.instanceId])).toEqual([
      ['alice', 'a'],
      ['bob', 'b'],
    ])
  })

  test('deleteRoom returns the peers it held and is idempotent', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r1', 'bob'))
    const removed = await a.rooms.deleteRoom('r1')
    expect(removed.map((p) => p.userId).sort()).toEqual(['alice', 'bob'])
    expect(await a.rooms.deleteRoom('r1')).toEqual([])
    expect(await a.rooms.getRoom('r1', T0)).toBeNull()
    expect(await a.rooms.listRooms(T0)).toEqual([])
    expect(await a.rooms.listPeers('r1', T0)).toEqual([])
    const again = await join(a, peer('r1', 'carol'), { now: T0 + 10 })
    expect(again).toMatchObject({ ok: true, created: true, peers: [] })
  })

  test('touchRoom moves lastActivity forward only and ignores a missing room', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await a.rooms.touchRoom('r1', T0 + 500)
    expect((await a.rooms.getRoom('r1', T0 + 500))?.lastActivity).toBe(T0 + 500)
    await a.rooms.touchRoom('r1', T0 + 100)
    expect((await a.rooms.getRoom('r1', T0 + 500))?.lastActivity).toBe(T0 + 500)
    await a.rooms.touchRoom('nope', T0 + 100)
    expect(await a.rooms.getRoom('nope', T0 + 100)).toBeNull()
  })
}
