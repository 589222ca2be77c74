/** @module BusInbox: what an instance does with the envelopes other instances send it. */
import { describe, expect, it } from 'vitest'
import { channels } from '../../../src/storage/bus.js'
import { createCluster, createWorld, flush, inject, peerRecord, storeJoin, type Client, type World } from './fixtures.js'

const ROOM = channels.room('r1')
const I1 = channels.instance('i1')
const presence = (c: Client) => c.fresh().filter((f) => f.type.startsWith('peer-')).map((f) => `${f.type} ${f.userId} ${String(f.data?.reason ?? f.data?.replaced)}`)

async function pair(): Promise<{ w: World; alice: Client; bob: Client }> {
  const w = await createWorld()
  const alice = await w.join('alice', 'r1')
  const bob = await w.join('bob', 'r1')
  await flush()
  alice.fresh()
  return { w, alice, bob }
}

/** What another instance's sweep does before it announces a peer as expired. */
async function removeFromStore(w: World, c: Client) {
  const { removed } = await w.backend.rooms.leave('r1', c.conn.userId ?? '', c.conn.id, w.scheduler.now())
  if (!removed) throw new Error('not in the store')
  return removed
}

describe('room-closed', () => {
  it('closing a room sends room-closed then 4011 to its sockets here and on the other instance, and no peer-left', async () => {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w2.join('bob', 'r1')
    const carol = await w1.join('carol', 'r1')
    carol.drop()
    await flush()
    for (const c of [alice, bob]) c.fresh()
    await w1.signaling.closeRoom('r1', 'inactive')
    await flush()
    for (const c of [alice, bob]) {
      expect(c.fresh().map((f) => `${f.type} ${String(f.data?.reason ?? f.data?.code)}`)).toEqual(['room-closed inactive', 'error room_closed'])
      expect(c.socket.closed?.code).toBe(4011)
    }
    expect(w1.signaling.away.size).toBe(0)
  })
})

describe('close', () => {
  it('closes the named connection here with its code (the store already names its successor)', async () => {
    const { w, alice, bob } = await pair()
    await storeJoin(w, peerRecord('bob', 'b-new'))
    inject(w, I1, { kind: 'close', origin: 'i2', roomId: 'r1', connectionId: bob.conn.id, code: 'replaced' })
    await flush()
    expect([bob.errorCodes(), bob.socket.closed?.code]).toEqual([['replaced'], 4009])
    expect(presence(alice)).toEqual([])
  })

  it('closes with replaced (4009) for a code not in the error table', async () => {
    const { w, bob } = await pair()
    await storeJoin(w, peerRecord('bob', 'b-new'))
    inject(w, I1, { kind: 'close', origin: 'i2', roomId: 'r1', connectionId: bob.conn.id, code: 'made_up' })
    await flush()
    expect(bob.socket.closed?.code).toBe(4009)
  })

  it('drops the named away peer quietly', async () => {
    const { w, alice, bob } = await pair()
    bob.drop()
    await storeJoin(w, peerRecord('bob', 'b-new'))
    inject(w, I1, { kind: 'close', origin: 'i2', roomId: 'r1', connectionId: bob.conn.id, code: 'replaced' })
    await flush()
    expect(w.signaling.away.size).toBe(0)
    w.scheduler.advance(60_000)
    await flush()
    expect(presence(alice)).toEqual([])
  })
})

describe('left', () => {
  it('a peer another instance expired while this one still holds its socket: the socket goes (4010), the room hears it once, with the sweep\'s reason', async () => {
    const { w, alice, bob } = await pair()
    const record = await removeFromStore(w, bob)
    inject(w, ROOM, { kind: 'left', origin: 'i2', peer: record, reason: 'expired' })
    await flush()
    expect(bob.socket.closed?.code).toBe(4010)
    expect(presence(alice)).toEqual(['peer-left bob expired'])
  })
})

describe('joined', () => {
  it('a newer connection of a user elsewhere supersedes its away peer here, announced as a replacement', async () => {
    const { w, alice, bob } = await pair()
    bob.drop()
    const old = peerRecord('bob', bob.conn.id, 'i1')
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: peerRecord('bob', 'b-new'), replaced: old })
    await flush()
    expect(presence(alice)).toEqual(['peer-left bob replaced', 'peer-joined bob true'])
    expect(w.signaling.away.size).toBe(0)
  })
})

describe('resumed', () => {
  it('a session resumed elsewhere whose old socket is still open here: that socket gets 4009, nobody hears presence', async () => {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w1.join('bob', 'r1')
    await flush()
    alice.fresh()
    const back = await w2.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    expect(back.auth.resumed).toBe(true)
    expect([bob.errorCodes(), bob.socket.closed?.code]).toEqual([['replaced'], 4009])
    expect(presence(alice)).toEqual([])
    expect(await w1.peers('r1')).toEqual(['alice', 'bob'])
  })
})

describe('sweptPeer', () => {
  it('closes the swept peer here with idle_timeout and tells the room "expired"', async () => {
    const { w, alice, bob } = await pair()
    const record = await removeFromStore(w, bob)
    await w.signaling.sweptPeer(record)
    await flush()
    expect(bob.socket.closed?.code).toBe(4010)
    expect(presence(alice)).toEqual(['peer-left bob expired'])
  })
})

describe('announcements that arrive after a newer connection of the same user joined here', () => {
  // With Redis, an instance's own join can commit and be announced before another instance's earlier PUBLISH arrives.
  // Found by this suite: a late `joined` for a connection that a local join had already replaced closed the newer,
  // live socket as "replaced" and re-announced the stale connection. Replaced connections are now remembered.
  it('a late joined for a superseded connection is ignored: the newer socket stays, the room hears nothing', async () => {
    const w = await createWorld()
    const alice = await w.join('alice', 'r1')
    const stale = peerRecord('bob', 'b-old')
    await storeJoin(w, stale)
    const bob = await w.join('bob', 'r1')
    await flush()
    alice.fresh()
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: stale, replaced: null })
    await flush()
    expect(bob.socket.closed).toBeNull()
    expect(presence(alice)).toEqual([])
    expect(await w.peers('r1')).toEqual(['alice', 'bob'])
  })

  // Found by this suite: a late `left` for a connection of a user whose newer connection had joined since was
  // delivered as `peer-left`. A departure of a connection the roster no longer names is not passed on.
  it('a late left for a superseded connection is not announced while the newer connection is in the room', async () => {
    const w = await createWorld()
    const alice = await w.join('alice', 'r1')
    const stale = peerRecord('bob', 'b-old')
    await storeJoin(w, stale)
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: stale, replaced: null })
    await flush()
    await w.backend.rooms.leave('r1', 'bob', 'b-old', w.scheduler.now())
    await w.join('bob', 'r1')
    await flush()
    alice.fresh()
    inject(w, ROOM, { kind: 'left', origin: 'i2', peer: stale, reason: 'disconnected' })
    await flush()
    expect(presence(alice)).toEqual([])
  })
})
