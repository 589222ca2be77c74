/**
 * @module Away peers: the grace timer (manual scheduler), expiry as exactly one `peer-left` "disconnected", counting,
 * and relays that reach the old holder of a session that moved to the other instance.
 */
import { describe, expect, it } from 'vitest'
import { channels } from '../../../src/storage/bus.js'
import { createCluster, createWorld, flush, inject, offer, type Client } from './fixtures.js'

const lefts = (c: Client) => c.fresh().filter((f) => f.type === 'peer-left').map((f) => `${f.userId} ${String(f.data?.reason)}`)

describe('grace expiry', () => {
  it('tells the room once, with reason "disconnected", when the grace ends and not a moment before', async () => {
    const w = await createWorld({ env: { RECONNECT_GRACE: '5000' } })
    const alice = await w.join('alice', 'r1')
    const bob = await w.join('bob', 'r1')
    await flush()
    alice.fresh()
    bob.drop()
    w.scheduler.advance(4999)
    await flush()
    expect(lefts(alice)).toEqual([])
    expect(await w.peers('r1')).toEqual(['alice', 'bob'])
    w.scheduler.advance(1)
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
    w.scheduler.advance(60_000)
    await flush()
    expect(lefts(alice)).toEqual([])
    expect(await w.peers('r1')).toEqual(['alice'])
    expect(w.signaling.away.size).toBe(0)
  })

  it('counts the expiry: audit resume_expired, metrics resumeExpiries and leaves', async () => {
    const w = await createWorld()
    await w.join('alice', 'r1')
    const bob = await w.join('bob', 'r1')
    bob.drop()
    expect(w.signaling.away.size).toBe(1)
    w.scheduler.advance(w.config.ws.reconnectGraceMs)
    await flush()
    expect(w.audits.filter((a) => a.event === 'resume_expired')).toEqual([{ event: 'resume_expired', userId: 'bob', roomId: 'r1', reason: 'disconnected' }])
    expect([w.metrics.resumeExpiries, w.metrics.leaves, w.metrics.resumes]).toEqual([1, 1, 0])
  })

  it('a peer after the expiry is not in the room: signals to it get peer_not_found', async () => {
    const w = await createWorld()
    const alice = await w.join('alice', 'r1')
    const bob = await w.join('bob', 'r1')
    bob.drop()
    alice.send(offer('bob'))
    w.scheduler.advance(w.config.ws.reconnectGraceMs)
    await flush()
    alice.send(offer('bob'))
    expect(alice.errorCodes()).toEqual(['peer_not_found'])
  })

  it('the last away peer of a room: the room and its subscription go at expiry', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    bob.drop()
    expect(w.signaling.rooms.get('r1')).toBeDefined()
    w.scheduler.advance(w.config.ws.reconnectGraceMs)
    await flush()
    expect(w.signaling.rooms.get('r1')).toBeUndefined()
    expect(w.state.subscribers.has('room\tr1')).toBe(false)
    expect(await w.peers('r1')).toEqual([])
  })

  it('with two instances, each socket on each instance hears the expiry exactly once', async () => {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w1.join('bob', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    for (const c of [alice, carol]) c.fresh()
    bob.drop()
    w1.scheduler.advance(w1.config.ws.reconnectGraceMs)
    await flush()
    expect([lefts(alice), lefts(carol)]).toEqual([['bob disconnected'], ['bob disconnected']])
    w1.scheduler.advance(60_000)
    await flush()
    expect([lefts(alice), lefts(carol)]).toEqual([[], []])
  })

  it('a resumed session that drops again gets a new grace of its own', async () => {
    const w = await createWorld({ env: { RECONNECT_GRACE: '5000' } })
    const alice = await w.join('alice', 'r1')
    const bob = await w.join('bob', 'r1')
    bob.drop()
    w.scheduler.advance(4000)
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    back.drop()
    w.scheduler.advance(4000)
    await flush()
    expect(await w.peers('r1')).toEqual(['alice', 'bob'])
    w.scheduler.advance(1000)
    await flush()
    expect(lefts(alice)).toEqual(['bob disconnected'])
  })
})

describe('a session that moved to the other instance', () => {
  async function moved() {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w1.join('bob', 'r1')
    bob.drop()
    const back = await w2.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    back.fresh()
    return { w1, w2, alice, back }
  }
  const relayFrom = (origin: string, sdp: string) => ({
    kind: 'relay' as const,
    origin,
    roomId: 'r1',
    target: 'bob',
    sender: 'zoe',
    frame: JSON.stringify({ type: 'sdp-offer', roomId: 'r1', userId: 'zoe', from: 'zoe', targetUserId: 'bob', data: { sdp }, timestamp: 1 }),
  })

  it('routes signals from the old holder to the new one', async () => {
    const { alice, back } = await moved()
    alice.send(offer('bob', 'after the move'))
    await flush()
    expect(back.fresh().map((f) => f.data?.sdp)).toEqual(['after the move'])
    expect(alice.errorCodes()).toEqual([])
  })

  it('forwards a relay still addressed to the old holder for a while, never back where it came from', async () => {
    const { w1, back } = await moved()
    inject(w1, channels.instance('i1'), relayFrom('i3', 'forwarded'))
    inject(w1, channels.instance('i1'), relayFrom('i2', 'not bounced'))
    await flush()
    expect(back.fresh().map((f) => f.data?.sdp)).toEqual(['forwarded'])
    w1.scheduler.advance(10_001)
    inject(w1, channels.instance('i1'), relayFrom('i3', 'too late'))
    await flush()
    expect(back.fresh()).toEqual([])
  })
})
