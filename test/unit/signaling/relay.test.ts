/** @module Relay: targeted and broadcast signals, no echo, peer_not_found, away peers keep frames (bounded), across instances. */
import { describe, expect, it } from 'vitest'
import { MAX_KEPT_CHARS, MAX_KEPT_FRAMES } from '../../../src/signaling/away.js'
import { createCluster, createWorld, flush, offer, type Client } from './fixtures.js'

const BIG = { MESSAGE_BURST: '2000', MESSAGE_RATE: '1000' }
const signals = (c: Client) => c.fresh().filter((f) => f.type === 'sdp-offer')

async function room(env: Record<string, string> = {}) {
  const w = await createWorld({ env })
  const [alice, bob, carol] = [await w.join('alice', 'r1'), await w.join('bob', 'r1'), await w.join('carol', 'r1')]
  await flush()
  for (const c of [alice, bob, carol]) c.fresh()
  return { w, alice, bob, carol }
}

describe('relay on one instance', () => {
  it('delivers a targeted signal to its target only, stamped with the real sender', async () => {
    const { w, alice, bob, carol } = await room()
    alice.send({ ...offer('bob', 'v=0 x'), userId: 'mallory', from: 'mallory', roomId: 'elsewhere' })
    expect(bob.fresh()).toEqual([
      { type: 'sdp-offer', roomId: 'r1', userId: 'alice', from: 'alice', targetUserId: 'bob', data: { type: 'offer', sdp: 'v=0 x' }, timestamp: w.scheduler.now() },
    ])
    expect(carol.fresh()).toEqual([])
    expect(alice.fresh()).toEqual([])
    expect(w.metrics.relayedTotal).toBe(1)
  })

  it('broadcasts an untargeted signal to every other peer and never echoes it', async () => {
    const { alice, bob, carol } = await room()
    alice.send(offer(null))
    expect(signals(bob)).toHaveLength(1)
    expect(signals(carol)).toHaveLength(1)
    expect(alice.fresh()).toEqual([])
  })

  it('answers a target that is not in the room with peer_not_found, and a target = self with invalid_message', async () => {
    const { alice, bob } = await room()
    alice.send(offer('zed'))
    alice.send(offer('alice'))
    expect(alice.errorCodes()).toEqual(['peer_not_found', 'invalid_message'])
    expect(bob.fresh()).toEqual([])
  })

  it('keeps signals for an away peer, answers nothing, and delivers them in order on resume', async () => {
    const { w, alice, bob, carol } = await room()
    bob.drop()
    alice.send(offer('bob', 'one'))
    w.scheduler.advance(10)
    carol.send(offer(null, 'two'))
    await flush()
    expect([...alice.errorCodes(), ...carol.errorCodes()]).toEqual([])
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    expect(back.frames.map((f) => `${f.type} ${f.from ?? ''} ${String(f.data?.sdp ?? '')}`)).toEqual(['auth  ', 'sdp-offer alice one', 'sdp-offer carol two'])
  })

  it(`refuses the ${MAX_KEPT_FRAMES + 1}th frame for an away peer with relay_failed`, async () => {
    const { alice, bob } = await room(BIG)
    bob.drop()
    for (let i = 0; i < MAX_KEPT_FRAMES; i++) alice.send(offer('bob', `n${i}`))
    expect(alice.errorCodes()).toEqual([])
    alice.send(offer('bob', 'one too many'))
    expect(alice.errorCodes()).toEqual(['relay_failed'])
  })

  it(`refuses a frame that would take an away peer past ${MAX_KEPT_CHARS} characters, but keeps a smaller one`, async () => {
    const { alice, bob } = await room()
    bob.drop()
    const sdp = 'v'.repeat(61_000)
    for (let i = 0; i < 4; i++) alice.send(offer('bob', sdp))
    expect(alice.errorCodes()).toEqual([])
    alice.send(offer('bob', sdp))
    alice.send(offer('bob', 'small'))
    expect(alice.errorCodes()).toEqual(['relay_failed'])
  })

  it('a broadcast that an away peer can no longer keep still reaches the others; the sender hears relay_failed', async () => {
    const { alice, bob, carol } = await room(BIG)
    bob.drop()
    for (let i = 0; i < MAX_KEPT_FRAMES; i++) alice.send(offer(null, `n${i}`))
    signals(carol)
    alice.send(offer(null, 'last'))
    expect(signals(carol).map((f) => f.data?.sdp)).toEqual(['last'])
    expect(alice.errorCodes()).toEqual(['relay_failed'])
  })
})

describe('relay across instances', () => {
  async function cluster(env: Record<string, string> = {}) {
    const [w1, w2] = await createCluster(env)
    const alice = await w1.join('alice', 'r1')
    const bob = await w2.join('bob', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    for (const c of [alice, bob, carol]) c.fresh()
    return { w1, w2, alice, bob, carol }
  }

  it('delivers targeted signals and broadcasts over the bus, once each, byte for byte', async () => {
    const { alice, bob, carol } = await cluster()
    alice.send(offer('bob', 'to bob'))
    bob.send(offer(null, 'to all'))
    await flush()
    expect(signals(bob).map((f) => f.data?.sdp)).toEqual(['to bob'])
    expect(signals(carol).map((f) => f.data?.sdp)).toEqual(['to all'])
    expect(signals(alice).map((f) => `${f.from} ${String(f.data?.sdp)}`)).toEqual(['bob to all'])
    expect(alice.errorCodes()).toEqual([])
  })

  it('answers peer_not_found for a target in no instance', async () => {
    const { alice } = await cluster()
    alice.send(offer('zed'))
    await flush()
    expect(alice.errorCodes()).toEqual(['peer_not_found'])
  })

  it('keeps signals for a peer away on the other instance, and tells a sender there relay_failed past the bound', async () => {
    const { alice, bob, carol } = await cluster(BIG)
    bob.drop()
    for (let i = 0; i < MAX_KEPT_FRAMES; i++) alice.send(offer('bob', `n${i}`))
    await flush()
    expect(alice.errorCodes()).toEqual([])
    alice.send(offer('bob', 'one too many'))
    await flush()
    expect(alice.errorCodes()).toEqual(['relay_failed'])
    expect(carol.fresh()).toEqual([])
  })
})
