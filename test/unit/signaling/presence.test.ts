/**
 * @module Presence: each socket learns of each other peer exactly once (auth reply or one `peer-joined`), replacements
 * are announced as `peer-left` "replaced" then `peer-joined` replaced:true, and late or early events are deduplicated.
 */
import { describe, expect, it } from 'vitest'
import { channels } from '../../../src/storage/bus.js'
import { createCluster, createWorld, flush, inject, peerRecord, storeJoin, until, type Client, type Frame } from './fixtures.js'

const ROOM = channels.room('r1')
const presence = (c: Client) =>
  c.fresh().filter((f) => f.type === 'peer-joined' || f.type === 'peer-left').map((f: Frame) => `${f.type} ${f.userId} ${String(f.data?.reason ?? f.data?.replaced)}`)

describe('presence on one instance', () => {
  it('lists earlier peers in the auth reply and never announces them again; earlier peers hear one peer-joined', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    const alice = await w.join('alice', 'r1')
    await flush()
    expect(alice.auth.peers.map((p) => p.userId)).toEqual(['bob'])
    expect(presence(alice)).toEqual([])
    expect(presence(bob)).toEqual(['peer-joined alice false'])
  })

  it('a replacement is peer-left "replaced" then peer-joined replaced:true, each once; the old socket gets 4009', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    const old = await w.join('alice', 'r1')
    presence(bob)
    const fresh = await w.join('alice', 'r1')
    await flush()
    expect(fresh.auth.resumed).toBe(false)
    expect(fresh.auth.peers.map((p) => p.userId)).toEqual(['bob'])
    expect(presence(bob)).toEqual(['peer-left alice replaced', 'peer-joined alice true'])
    expect(old.errorCodes()).toEqual(['replaced'])
    expect(old.socket.closed?.code).toBe(4009)
    expect(presence(fresh)).toEqual([])
    const store = await w.backend.rooms.listPeers('r1', w.scheduler.now())
    expect(store.find((p) => p.userId === 'alice')?.connectionId).toBe(fresh.conn.id)
  })

  it('a joined event arriving while a socket joins is replayed against its auth reply: a listed peer is not re-announced', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    const dave = peerRecord('dave', 'd1')
    await storeJoin(w, dave)
    const carol = w.connect()
    await carol.sendAuth('carol', 'r1')
    // Carol's join is in flight (she collects the room's events): dave's announcement from i2 lands meanwhile.
    await atMicrotask(
      () => (w.signaling.rooms.get('r1')?.joining.size ?? 0) > 0,
      () => inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: dave, replaced: null }),
    )
    const reply = await carol.reply()
    await flush()
    expect(reply.peers.map((p) => p.userId)).toEqual(['bob', 'dave'])
    expect(presence(carol)).toEqual([])
    expect(presence(bob)).toEqual(['peer-joined dave false', 'peer-joined carol false'])
  })

  it('a peer that joins and leaves while a socket joins is heard as a pair (joined, then left), never half', async () => {
    const w = await createWorld()
    const carol = w.connect()
    await carol.sendAuth('carol', 'r1')
    const erin = peerRecord('erin', 'e1')
    await atMicrotask(
      () => (w.signaling.rooms.get('r1')?.joining.size ?? 0) > 0,
      () => {
        inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: erin, replaced: null })
        inject(w, ROOM, { kind: 'left', origin: 'i2', peer: erin, reason: 'left' })
      },
    )
    await carol.reply()
    await flush()
    expect(presence(carol)).toEqual(['peer-joined erin false', 'peer-left erin left'])
  })
})

/** Runs `act` in the very microtask in which `cond` first holds: for landing an event inside one await of the handshake. */
async function atMicrotask(cond: () => boolean, act: () => void) {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve()
  if (!cond()) throw new Error('condition not reached')
  act()
}

describe('presence across instances', () => {
  it('a late joined event for a peer listed in the auth reply is not a second peer-joined', async () => {
    const w = await createWorld()
    const alice = peerRecord('alice', 'a1')
    await storeJoin(w, alice)
    const carol = await w.join('carol', 'r1')
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: alice, replaced: null })
    await flush()
    expect(carol.auth.peers.map((p) => p.userId)).toEqual(['alice'])
    expect(presence(carol)).toEqual([])
  })

  it('a replacement whose new connection was listed is announced to nobody who listed it, and fully to the others', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    const oldAlice = peerRecord('alice', 'a-old')
    await storeJoin(w, oldAlice)
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: oldAlice, replaced: null })
    await until(() => bob.ofType('peer-joined').length === 1, 'bob hears of alice')
    presence(bob)
    // Alice reconnects on i2; carol joins here before i2's announcement arrives and is listed the new connection.
    const newAlice = peerRecord('alice', 'a-new')
    await storeJoin(w, newAlice)
    const carol = await w.join('carol', 'r1')
    inject(w, ROOM, { kind: 'joined', origin: 'i2', peer: newAlice, replaced: oldAlice })
    await flush()
    expect(carol.auth.peers.map((p) => `${p.userId}`)).toEqual(['bob', 'alice'])
    expect(presence(carol)).toEqual([])
    expect(presence(bob)).toEqual(['peer-joined carol false', 'peer-left alice replaced', 'peer-joined alice true'])
  })

  it('a listed peer that leaves before its joined event arrives is announced as left', async () => {
    const w = await createWorld()
    const alice = peerRecord('alice', 'a1')
    await storeJoin(w, alice)
    const carol = await w.join('carol', 'r1')
    inject(w, ROOM, { kind: 'left', origin: 'i2', peer: alice, reason: 'left' })
    await flush()
    expect(presence(carol)).toEqual(['peer-left alice left'])
  })

  it('a replacement on the other instance: each socket on each instance hears left then joined once', async () => {
    const [w1, w2] = await createCluster()
    const bob = await w1.join('bob', 'r1')
    const old = await w1.join('alice', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    presence(bob)
    presence(carol)
    const fresh = await w2.join('alice', 'r1')
    await until(() => old.socket.closed !== null, 'the old socket closes')
    await flush()
    expect(old.socket.closed?.code).toBe(4009)
    expect(presence(bob)).toEqual(['peer-left alice replaced', 'peer-joined alice true'])
    expect(presence(carol)).toEqual(['peer-left alice replaced', 'peer-joined alice true'])
    expect(presence(fresh)).toEqual([])
    expect(await w1.peers('r1')).toEqual(['bob', 'carol', 'alice'])
  })

  it.each([0, 1, 2, 3, 5, 8, 13, 21])('peers joining at the same moment on two instances learn of each other once (offset %i)', async (offset) => {
    const [w1, w2] = await createCluster()
    const alice = w1.connect()
    const bob = w2.connect()
    const { token: ta } = await w1.tokens.mint({ userId: 'alice', roomId: 'r1' })
    const { token: tb } = await w2.tokens.mint({ userId: 'bob', roomId: 'r1' })
    alice.send({ type: 'auth', data: { token: ta } })
    for (let i = 0; i < offset; i++) await Promise.resolve()
    bob.send({ type: 'auth', data: { token: tb } })
    const [ra, rb] = [await alice.reply(), await bob.reply()]
    await flush()
    const heard = (c: Client, listed: string[]) => [...listed, ...c.ofType('peer-joined').map((f) => String(f.userId))]
    expect(heard(alice, ra.peers.map((p) => p.userId))).toEqual(['bob'])
    expect(heard(bob, rb.peers.map((p) => p.userId))).toEqual(['alice'])
  })
})
