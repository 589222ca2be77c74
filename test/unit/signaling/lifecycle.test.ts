/**
 * @module Lifecycle: how a socket ends. A close without a closing handshake (1006) keeps a joined peer away; every
 * other close, and every close the server decides, leaves at once with one `peer-left`. Idle sweep and drain.
 */
import { describe, expect, it } from 'vitest'
import { createCluster, createWorld, flush, type Client, type World } from './fixtures.js'

const presence = (c: Client) => c.fresh().filter((f) => f.type.startsWith('peer-')).map((f) => `${f.type} ${f.userId}`)
const lefts = (c: Client) => c.fresh().filter((f) => f.type === 'peer-left').map((f) => `${f.userId} ${String(f.data?.reason)}`)

async function pair(env: Record<string, string> = {}) {
  const w = await createWorld({ env })
  const alice = await w.join('alice', 'r1')
  const bob = await w.join('bob', 'r1')
  await flush()
  alice.fresh()
  return { w, alice, bob }
}

describe('a socket that ends', () => {
  it('without a closing handshake (1006) keeps its peer away: the room hears nothing, the store still lists it', async () => {
    const { w, alice, bob } = await pair()
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual([])
    expect(await w.peers('r1')).toEqual(['alice', 'bob'])
    expect(w.signaling.away.size).toBe(1)
    expect(w.signaling.registry.size).toBe(1)
  })

  it.each([1000, 1001, 1005, 4000, 4999])('with a closing handshake (%i) leaves at once: one peer-left "disconnected"', async (code) => {
    const { w, alice, bob } = await pair()
    bob.closeWith(code)
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
    expect(await w.peers('r1')).toEqual(['alice'])
    expect(w.signaling.away.size).toBe(0)
  })

  it('after leave-room leaves at once with reason "left", even if the runtime then reports 1006', async () => {
    const { w, alice, bob } = await pair()
    bob.send({ type: 'leave-room' })
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual(['bob left'])
    expect(await w.peers('r1')).toEqual(['alice'])
  })

  it('after a server-decided close leaves at once with its reason, whatever code the runtime reports', async () => {
    const { w, alice, bob } = await pair()
    bob.socket.buffered = w.config.ws.maxBufferedBytes + 1
    alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'v=0' } })
    await flush()
    expect(bob.socket.terminated).toBe(true)
    expect(lefts(alice)).toEqual(['bob slow_consumer'])
    expect(w.signaling.away.size).toBe(0)
  })

  it('after a transport failure (protocol violation) leaves at once although the close looks abrupt', async () => {
    const { w, alice, bob } = await pair()
    w.signaling.lifecycle.failed(bob.conn)
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
    expect(w.signaling.away.size).toBe(0)
  })

  it('with RECONNECT_GRACE=0, 1006 leaves at once too', async () => {
    const { w, alice, bob } = await pair({ RECONNECT_GRACE: '0' })
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
    expect(await w.peers('r1')).toEqual(['alice'])
  })

  it('while draining, 1006 leaves at once', async () => {
    const { w, alice, bob } = await pair()
    w.draining = true
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
  })

  it('a close reported twice is handled once', async () => {
    const { w, alice, bob } = await pair()
    bob.closeWith(1000)
    bob.closeWith(1000)
    bob.drop()
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
    expect(w.metrics.leaves).toBe(1)
    expect(w.metrics.connections.value).toBe(1)
  })

  // Found by this suite: a socket that closed after the store join but before its join was announced was departed at
  // once, so peers heard peer-left BEFORE peer-joined and then believed it present. Now such a socket is "entering"
  // and `Handshake.finish` departs it after the announcement.
  it('closing after the store join but before the auth reply: every peer hears peer-joined, then peer-left', async () => {
    const [w1, w2] = await createCluster()
    const bob = await w1.join('bob', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    for (const c of [bob, carol]) c.fresh()
    await duringJoin(w1, (c) => c.conn.state === 'entering', (c) => c.closeWith(1000))
    await flush()
    expect(await w1.peers('r1')).toEqual(['bob', 'carol'])
    for (const c of [bob, carol]) expect(presence(c)).toEqual(['peer-joined alice', 'peer-left alice'])
  })

  // Found by this suite (same window, 1006): the socket was held as an away peer AND departed, leaving a ghost away
  // peer that kept signals instead of answering peer_not_found.
  it('a socket that drops before its auth reply leaves no away peer behind (signals to it get peer_not_found)', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    await duringJoin(w, (c) => c.conn.state === 'entering', (c) => c.drop())
    await flush()
    expect(await w.peers('r1')).toEqual(['bob'])
    bob.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0' } })
    expect(bob.errorCodes()).toEqual(['peer_not_found'])
    expect(w.signaling.away.size).toBe(0)
  })
})

/**
 * Opens a socket for alice and runs `act` in the very microtask in which its handshake reaches `at` (polled after every
 * microtask: returning from here first would let the handshake run on).
 */
async function duringJoin(w: World, at: (c: Client) => boolean, act: (c: Client) => unknown): Promise<Client> {
  const alice = w.connect()
  await alice.sendAuth('alice', 'r1')
  for (let i = 0; i < 1000 && !at(alice); i++) await Promise.resolve()
  if (!at(alice)) throw new Error('the handshake never reached that point')
  expect(alice.frames).toEqual([])
  await act(alice)
  return alice
}

describe('idle sweep', () => {
  it('closes joined sockets silent past the heartbeat timeout (4010) and the room hears "timeout"', async () => {
    const { w, alice, bob } = await pair({ PEER_HEARTBEAT_TIMEOUT: '10000' })
    w.scheduler.advance(10_001)
    alice.send({ type: 'heartbeat' })
    expect(w.signaling.lifecycle.closeIdle(w.scheduler.now())).toBe(1)
    await flush()
    expect([bob.errorCodes(), bob.socket.closed?.code]).toEqual([['idle_timeout'], 4010])
    expect(lefts(alice)).toEqual(['bob timeout'])
    expect(await w.peers('r1')).toEqual(['alice'])
  })
})

describe('drain', () => {
  it('closes every socket with draining (1001) and empties the store', async () => {
    const { w, alice, bob } = await pair()
    w.draining = true
    await w.signaling.lifecycle.drainAll()
    expect([alice.errorCodes(), alice.socket.closed?.code, bob.socket.closed?.code]).toEqual([['draining'], 1001, 1001])
    expect(await w.peers('r1')).toEqual([])
    expect(w.signaling.registry.size).toBe(0)
  })

  it('departs away peers too: the other instance hears peer-left "draining" once for each', async () => {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w1.join('bob', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    carol.fresh()
    alice.drop()
    w1.draining = true
    await w1.signaling.lifecycle.drainAll()
    await flush()
    expect(lefts(carol).sort()).toEqual(['alice draining', 'bob draining'])
    expect(await w2.peers('r1')).toEqual(['carol'])
    expect(w1.signaling.away.size).toBe(0)
    expect(bob.socket.closed?.code).toBe(1001)
  })

  // Found by this suite: a socket whose store join was in flight was departed only after `drainAll` resolved, when
  // the backend is already closed. Handshakes in flight are now tracked with the leaves the drain waits for.
  it('waits for a join in flight: when it resolves the store no longer lists that peer', async () => {
    const w = await createWorld()
    await duringJoin(
      w,
      (c) => w.signaling.rooms.get('r1')?.joining.has(c.conn) ?? false,
      () => {
        w.draining = true
        return w.signaling.lifecycle.drainAll()
      },
    )
    expect(await w.peers('r1')).toEqual([])
  })
})
