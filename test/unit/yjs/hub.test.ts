/**
 * @module The /yjs hub built directly, without a runtime: fake sockets over the memory backend, two instances over
 * one MemoryState and one manual clock. Covers the orderings the scenario suite cannot place: a leave heard while a
 * join is in flight, a frame queue around a store join, sweeps, zombies, drains and idle sockets.
 */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/lib/logger.js'
import { createManualScheduler, type ManualScheduler } from '../../../src/lib/scheduler.js'
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js'
import { Registry } from '../../../src/signaling/registry.js'
import { createMemoryBackend, createMemoryState, type MemoryState } from '../../../src/storage/memory.js'
import type { Backend, JoinRequest } from '../../../src/storage/types.js'
import { createYjs, type Yjs } from '../../../src/yjs/hub.js'
import type { YjsSocket } from '../../../src/yjs/socket.js'
import { FakeSocket, flush, START, testConfig, until } from '../signaling/fixtures.js'

interface Node {
  yjs: Yjs
  backend: Backend
  metrics: Metrics
  registry: Registry
  /** Opens a socket for `userId` with a token for `roomId`. */
  open(userId: string, roomId: string): Peer
}

class Peer {
  constructor(
    readonly node: Node,
    readonly socket: FakeSocket,
    readonly s: YjsSocket,
  ) {}
  send(frame: object | string) {
    this.node.yjs.message(this.s, typeof frame === 'string' ? frame : JSON.stringify(frame))
  }
  publishes() {
    return this.socket.frames.filter((f) => f.type === 'publish') as unknown as { data: unknown; clients: number }[]
  }
}

const ROOM = 'r1'

async function createNode(state: MemoryState, scheduler: ManualScheduler, instanceId: string, env: Record<string, string> = {}): Promise<Node> {
  const config = testConfig(env)
  const backend = createMemoryBackend({ instanceId, state })
  const metrics = createMetrics(scheduler)
  const registry = new Registry(metrics)
  const yjs = createYjs({ config, backend, scheduler, logger: silentLogger, metrics, audit: () => undefined, instanceId, registry, touchIntervalMs: 1000 })
  const node: Node = {
    yjs,
    backend,
    metrics,
    registry,
    open(userId, roomId) {
      const socket = new FakeSocket()
      const s = yjs.open(socket, '10.0.0.1', { userId, roomId, userName: userId })
      // The runtimes report a server-side close later, as a close event; so does this one.
      socket.onEnd = () => queueMicrotask(() => yjs.closed(s))
      return new Peer(node, socket, s)
    },
  }
  return node
}

async function cluster(env: Record<string, string> = {}): Promise<[Node, Node, ManualScheduler]> {
  const state = createMemoryState()
  const scheduler = createManualScheduler(START)
  return [await createNode(state, scheduler, 'i1', env), await createNode(state, scheduler, 'i2', env), scheduler]
}

const subscribed = async (p: Peer) => {
  p.send({ type: 'subscribe', topics: [ROOM] })
  await until(() => p.s.member === 'in' || p.socket.closed !== null, 'the store join')
}

/** Holds each store join of `backend` after the store took it and before the caller hears back, until released. */
function holdJoins(backend: Backend) {
  const real = backend.rooms.join.bind(backend.rooms)
  let release: () => void = () => undefined
  const released = new Promise<void>((r) => (release = r))
  let held = false
  backend.rooms.join = async (req: JoinRequest) => {
    const result = await real(req)
    held = true
    await released
    return result
  }
  return { release, isHeld: () => held }
}

describe('/yjs hub', () => {
  it('does not count a subscriber whose leave arrived while a join that still listed it was in flight', async () => {
    const [one, two] = await cluster()
    const alice = one.open('alice', ROOM)
    const bob = two.open('bob', ROOM)
    await subscribed(alice)
    await subscribed(bob)
    const gate = holdJoins(one.backend)
    const carol = one.open('carol', ROOM)
    carol.send({ type: 'subscribe', topics: [ROOM] })
    // Held behind the join, in order.
    carol.send({ type: 'publish', topic: ROOM, data: 'first' })
    await until(gate.isHeld, "carol's join reached the store")
    bob.send({ type: 'unsubscribe', topics: [ROOM] })
    await until(() => bob.s.member === 'out', "bob's leave")
    await flush()
    gate.release()
    await until(() => carol.publishes().length > 0, "carol's held publish")
    expect(carol.publishes()).toEqual([{ type: 'publish', topic: ROOM, data: 'first', clients: 2 }])
    expect(bob.publishes()).toEqual([])
  })

  it('a sweep here takes an expired subscriber out of the count; its own instance hears of it and closes its socket', async () => {
    const [one, two, scheduler] = await cluster()
    const alice = one.open('alice', ROOM)
    const bob = two.open('bob', ROOM)
    await subscribed(alice)
    await subscribed(bob)
    alice.send({ type: 'publish', topic: ROOM, data: 'before' })
    await until(() => bob.publishes().length === 1, 'the publish crossed instances')
    // bob's instance stops renewing (it lost Redis for a while, say); alice's renews: one's sweep finds bob expired.
    const lease = testConfig().leaseTtlMs
    scheduler.advance(lease / 2)
    await one.backend.rooms.renewLeases('i1', scheduler.now() + lease)
    scheduler.advance(lease / 2 + 1)
    const swept = await one.backend.rooms.sweep({ now: scheduler.now(), inactivityMs: 10 ** 12, emptyGraceMs: 10 ** 12 })
    expect(swept.expiredPeers.map((p) => p.connectionId)).toEqual([bob.s.id])
    for (const peer of swept.expiredPeers) await one.yjs.sweptPeer(peer)
    alice.send({ type: 'publish', topic: ROOM, data: 'after' })
    expect(alice.publishes().map((p) => [p.data, p.clients])).toEqual([
      ['before', 2],
      ['after', 1],
    ])
    // The store no longer holds bob: his socket is closed, as a zombie on /ws is.
    await until(() => bob.socket.closed !== null, "bob's instance heard of his expiry")
    expect(bob.socket.closed?.code).toBe(4010)
    expect(bob.publishes().map((p) => p.data)).toEqual(['before'])
  })

  it('drains: every socket gets 1001, the store forgets every subscriber, the tally is back to zero', async () => {
    const [one] = await cluster()
    const peers = [one.open('alice', ROOM), one.open('alice', ROOM), one.open('bob', ROOM)]
    for (const p of peers.slice(0, 2)) await subscribed(p)
    // bob's join is in flight when the drain starts: the drain waits for it, and it leaves again.
    peers[2]!.send({ type: 'subscribe', topics: [ROOM] })
    expect(one.registry.size).toBe(3)
    await one.yjs.drainAll()
    for (const p of peers) expect(p.socket.closed).toEqual({ code: 1001, reason: 'Server is shutting down' })
    expect(await one.backend.rooms.listPeers(`yjs/${ROOM}`, START)).toEqual([])
    expect(one.registry.size).toBe(0)
    expect(one.yjs.size).toBe(0)
  })

  it('closes sockets silent for longer than PEER_HEARTBEAT_TIMEOUT with 4010; a ping keeps one open', async () => {
    const [one, , scheduler] = await cluster({ PEER_HEARTBEAT_TIMEOUT: '5000' })
    const quiet = one.open('alice', ROOM)
    const pinging = one.open('bob', ROOM)
    scheduler.advance(4000)
    pinging.send({ type: 'ping' })
    scheduler.advance(2000)
    expect(one.yjs.closeIdle(scheduler.now())).toBe(1)
    expect(quiet.socket.closed?.code).toBe(4010)
    expect(pinging.socket.closed).toBeNull()
    expect(pinging.socket.frames).toEqual([{ type: 'pong' }])
  })

  it('charges a publish by the bytes the server delivers for it: a signal costs one token, a 16 KB publish to 4 costs five', async () => {
    const [one] = await cluster({ MESSAGE_RATE: '1', MESSAGE_BURST: '20' })
    const peers = ['alice', 'bob', 'carol', 'dave'].map((u) => one.open(u, ROOM))
    for (const p of peers) await subscribed(p)
    const alice = peers[0]!
    // 19 tokens left after the subscribe; the clock stands still, so nothing refills.
    for (let i = 0; i < 4; i++) alice.send({ type: 'publish', topic: ROOM, data: 'x'.repeat(16 * 1024) })
    expect(alice.publishes()).toHaveLength(3)
    expect(alice.socket.frames.filter((f) => f.type === 'error').map((f) => f.data?.code)).toEqual(['rate_limited'])
    // The refused publish paid its own token: 3 left, one per small signal.
    for (let i = 0; i < 4; i++) alice.send({ type: 'publish', topic: ROOM, data: { type: 'signal', n: i } })
    expect(peers[1]!.publishes().slice(3).map((p) => p.data)).toEqual([0, 1, 2].map((n) => ({ type: 'signal', n })))
    expect(one.metrics.yjs.rejectedFrames.rate_limited).toBe(2)
  })

  it('closes a socket that sends more than 64 frames during one store join (rate_limited)', async () => {
    const [one] = await cluster({ MESSAGE_BURST: '1000', MESSAGE_RATE: '1000' })
    const gate = holdJoins(one.backend)
    const alice = one.open('alice', ROOM)
    alice.send({ type: 'subscribe', topics: [ROOM] })
    await until(gate.isHeld, 'the join reached the store')
    for (let i = 0; i < 65; i++) alice.send({ type: 'ping' })
    expect(alice.socket.closed?.code).toBe(4008)
    gate.release()
    await until(() => alice.s.member === 'out' && one.yjs.size === 0, 'the join undone after the close')
    expect(await one.backend.rooms.listPeers(`yjs/${ROOM}`, START)).toEqual([])
  })
})
