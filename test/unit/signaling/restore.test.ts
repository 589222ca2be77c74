/**
 * The wake path of a room object (src/signaling/restore.ts), tested directly: Miniflare cannot force a Durable Object
 * to hibernate. A world's memory is dropped (a new world, as an evicted object starts empty) while its sockets stay;
 * the sockets come back from what their attachments held (the peer record `identify` gave), and the room goes on.
 */
import { describe, expect, it } from 'vitest'
import { restoreSockets } from '../../../src/signaling/restore.js'
import type { PeerRecord } from '../../../src/storage/types.js'
import { createWorld, FakeSocket, flush, offer, until, type World } from './fixtures.js'

/** A socket whose runtime keeps what `identify` gave it, as the Workers adapter keeps it in the attachment. */
class AttachedSocket extends FakeSocket {
  attachment: PeerRecord | null = null
  identify(peer: PeerRecord) {
    this.attachment = peer
  }
}

async function joinAttached(world: World, userId: string): Promise<AttachedSocket> {
  const socket = new AttachedSocket()
  const conn = world.signaling.lifecycle.open(socket, '10.0.0.1', 'r1')
  socket.onEnd = (code) => queueMicrotask(() => world.signaling.lifecycle.closed(conn, code))
  const { token } = await world.tokens.mint({ userId, roomId: 'r1' })
  world.signaling.inbound.message(conn, JSON.stringify({ type: 'auth', data: { token } }))
  await until(() => socket.frames.some((f) => f.type === 'auth'), `${userId}'s auth reply`)
  await flush(2)
  return socket
}

describe('rebuilding a room from its sockets after a wake', () => {
  it('brings joined sockets back under their ids, in join order, without announcing anyone; the room goes on', async () => {
    const before = await createWorld()
    const alice = await joinAttached(before, 'alice')
    before.scheduler.advance(10)
    const bob = await joinAttached(before, 'bob')
    expect(alice.attachment).toMatchObject({ userId: 'alice', roomId: 'r1' })
    const seen = { alice: alice.frames.length, bob: bob.frames.length }

    // The object wakes with empty memory; its sockets (and their attachments) are still there. Bob's comes first.
    const after = await createWorld({ scheduler: before.scheduler })
    const sleeping = [bob, alice].map((port) => ({ port, ip: '10.0.0.1', urlRoom: 'r1', peer: port.attachment }))
    const [bobConn, aliceConn] = await restoreSockets({ signaling: after.signaling, store: after.backend.rooms, clock: after.scheduler, messageBurst: 200 }, sleeping)
    expect([aliceConn!.id, bobConn!.id]).toEqual([alice.attachment!.connectionId, bob.attachment!.connectionId])
    expect(await after.peers('r1')).toEqual(['alice', 'bob'])
    await flush()
    expect(alice.frames.length).toBe(seen.alice)
    expect(bob.frames.length).toBe(seen.bob)

    after.signaling.inbound.message(aliceConn!, JSON.stringify(offer('bob')))
    await until(() => bob.frames.some((f) => f.type === 'sdp-offer'), 'the offer after the wake')
    expect(bob.frames.at(-1)).toMatchObject({ type: 'sdp-offer', from: 'alice', roomId: 'r1' })

    const carol = await after.join('carol', 'r1')
    expect(carol.auth.peers.map((p) => p.userId)).toEqual(['alice', 'bob'])
    await until(() => alice.frames.some((f) => f.type === 'peer-joined') && bob.frames.some((f) => f.type === 'peer-joined'), 'carol announced')
    after.signaling.lifecycle.closed(bobConn!, 1000)
    await until(() => alice.frames.some((f) => f.type === 'peer-left'), 'bob leaving, announced')
    expect(alice.frames.at(-1)).toMatchObject({ type: 'peer-left', userId: 'bob' })
  })

  it('gives a socket that had not authenticated its auth deadline again', async () => {
    const world = await createWorld({ env: { AUTH_TIMEOUT: '5000' } })
    const silent = new AttachedSocket()
    const [conn] = await restoreSockets({ signaling: world.signaling, store: world.backend.rooms, clock: world.scheduler, messageBurst: 200 }, [{ port: silent, ip: '10.0.0.2', urlRoom: 'r1', peer: null }])
    expect(conn!.state).toBe('pending')
    world.scheduler.advance(5001)
    expect(silent.frames.at(-1)).toMatchObject({ type: 'error', data: { code: 'auth_timeout' } })
    expect(silent.closed?.code).toBe(4002)
  })
})
