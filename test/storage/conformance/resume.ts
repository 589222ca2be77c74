/** @module Conformance: moving a session to a new connection (RoomStore.resume), atomically, at most once. */
import { expect } from 'vitest'
import { join, peer, sweepAt, T0, type Define } from './fixtures.js'

const moved = (over = {}) => peer('r1', 'alice', { connectionId: 'alice-c2', instanceId: 'b', leaseUntil: T0 + 60_000, ...over })

export function resumeTests(test: Define) {
  test('resume moves the record to the new connection, keeps the join order, and returns the others and the old record', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    await join(a, peer('r1', 'bob'))
    await join(a, peer('r1', 'carol'))
    const r = await b.rooms.resume({ peer: moved(), fromConnectionId: 'alice-c1', now: T0 + 1000 })
    expect(r).toEqual({ ok: true, peers: [peer('r1', 'bob'), peer('r1', 'carol')], previous: peer('r1', 'alice') })
    const peers = await a.rooms.listPeers('r1', T0 + 1000)
    expect(peers.map((p) => [p.userId, p.connectionId, p.instanceId])).toEqual([
      ['alice', 'alice-c2', 'b'],
      ['bob', 'bob-c1', 'a'],
      ['carol', 'carol-c1', 'a'],
    ])
  })

  test('the same session resumes once: a second resume from the old connection, racing or late, finds nothing', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    const results = await Promise.all([
      a.rooms.resume({ peer: moved({ connectionId: 'alice-ca', instanceId: 'a' }), fromConnectionId: 'alice-c1', now: T0 }),
      b.rooms.resume({ peer: moved({ connectionId: 'alice-cb' }), fromConnectionId: 'alice-c1', now: T0 }),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(await a.rooms.resume({ peer: moved({ connectionId: 'alice-c3' }), fromConnectionId: 'alice-c1', now: T0 })).toEqual({ ok: false })
  })

  test('after a resume, a leave of the old connection is a no-op and a leave of the new one removes the peer', async (w) => {
    const a = await w.instance('a')
    await join(a, peer('r1', 'alice'))
    await a.rooms.resume({ peer: moved(), fromConnectionId: 'alice-c1', now: T0 })
    expect((await a.rooms.leave('r1', 'alice', 'alice-c1', T0)).removed).toBeNull()
    expect((await a.rooms.leave('r1', 'alice', 'alice-c2', T0)).removed).toMatchObject({ connectionId: 'alice-c2' })
  })

  test('nothing to resume: no room, another connection of the user, a passed lease, or a user who left', async (w) => {
    const a = await w.instance('a')
    expect(await a.rooms.resume({ peer: moved(), fromConnectionId: 'alice-c1', now: T0 })).toEqual({ ok: false })
    await join(a, peer('r1', 'alice', { connectionId: 'alice-c9' }))
    expect(await a.rooms.resume({ peer: moved(), fromConnectionId: 'alice-c1', now: T0 })).toEqual({ ok: false })
    await join(a, peer('r1', 'bob'))
    expect(await a.rooms.resume({ peer: moved({ userId: 'bob', connectionId: 'bob-c2' }), fromConnectionId: 'bob-c1', now: T0 + 30_000 })).toEqual({ ok: false })
    await a.rooms.leave('r1', 'alice', 'alice-c9', T0)
    expect(await a.rooms.resume({ peer: moved(), fromConnectionId: 'alice-c9', now: T0 })).toEqual({ ok: false })
    expect((await a.rooms.listPeers('r1', T0)).map((p) => p.connectionId)).toEqual(['bob-c1'])
  })

  test('the resumed record is renewed by its new instance, not the old one', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await join(a, peer('r1', 'alice'))
    await b.rooms.resume({ peer: moved({ leaseUntil: T0 + 30_000 }), fromConnectionId: 'alice-c1', now: T0 })
    await a.rooms.renewLeases('a', T0 + 90_000)
    await b.rooms.renewLeases('b', T0 + 60_000)
    const swept = await sweepAt(a, T0 + 61_000)
    expect(swept.expiredPeers.map((p) => p.connectionId)).toEqual(['alice-c2'])
  })
}
