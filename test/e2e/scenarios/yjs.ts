/**
 * @module /yjs, the y-webrtc signaling protocol: what the stock server does and the provider relies on (a publish
 * reaches every subscriber once, the sender included, with `clients`; ping/pong), and what the room token adds (only
 * its room, several sockets per user, token reuse). With two instances the subscribers are split over both.
 */
import { describe, expect, it } from 'vitest'
import { until } from '../support/scenario.js'
import { deploy, userIds, type Stage } from '../support/stage.js'
import type { Target } from '../support/target.js'
import { expectYjsQuiet, nextPublish, openYjs, publish, published, subscribe, yjsQuiet, yjsStats } from '../support/yjs.js'
import { YJS_MAX_BYTES, yjsAdmissionTests, yjsBadFrameTests, yjsCapacityTests, yjsRateTests } from './yjs-limits.js'

/** Three deployments per target, each with the env its groups need (deployments are what the suite's time goes to). */
export function yjsScenarios(target: Target) {
  describe(`/yjs: the y-webrtc protocol and bad frames (SINGLE_USE_TOKENS=true, MAX_MESSAGE_BYTES=${YJS_MAX_BYTES})`, () => {
    const s = deploy(target, { SINGLE_USE_TOKENS: 'true', MAX_MESSAGE_BYTES: String(YJS_MAX_BYTES) })
    yjsProtocolTests(s)
    yjsBadFrameTests(s)
  })

  describe('/yjs admission before the upgrade (CORS_ORIGINS=https://app.example, MAX_CONNECTIONS_PER_IP=3)', () => {
    yjsAdmissionTests(deploy(target, { CORS_ORIGINS: 'https://app.example', MAX_CONNECTIONS_PER_IP: '3' }))
  })

  describe('/yjs room capacity and message rate (MAX_PEERS_PER_ROOM=2, MESSAGE_RATE=1, MESSAGE_BURST=5)', () => {
    const s = deploy(target, { MAX_PEERS_PER_ROOM: '2', MESSAGE_RATE: '1', MESSAGE_BURST: '5' })
    yjsCapacityTests(s)
    yjsRateTests(s)
  })
}

function yjsProtocolTests(s: Stage) {
  it('delivers a publish once to every subscriber, the sender included, with clients counting the room on every instance', async () => {
    const room = 'y-fanout'
    const alice = await openYjs(s, 'alice', room, 0)
    await subscribe(alice, [room])
    publish(alice, room, { type: 'announce', from: 'a' })
    expect(await nextPublish(alice)).toEqual(published(room, { type: 'announce', from: 'a' }, 1))
    const bob = await openYjs(s, 'bob', room, 1)
    await subscribe(bob, [room])
    publish(bob, room, { type: 'announce', from: 'b' })
    for (const c of [alice, bob]) expect(await nextPublish(c)).toEqual(published(room, { type: 'announce', from: 'b' }, 2))
    const carol = await openYjs(s, 'carol', room, 2)
    await subscribe(carol, [room])
    // A password room's data is a base64 string, and the server passes any JSON value on as it came.
    const signal = { to: 'b', from: 'c', type: 'signal', token: 1.5, signal: { type: 'offer', sdp: 'v=0\r\n' }, note: 'ü ✓ "q"' }
    publish(carol, room, signal)
    publish(carol, room, 'AAECAwQFBgcICQ==')
    for (const c of [alice, bob, carol]) {
      expect(await nextPublish(c)).toEqual(published(room, signal, 3))
      expect(await nextPublish(c)).toEqual(published(room, 'AAECAwQFBgcICQ==', 3))
    }
    publish(alice, room, { type: 'announce', from: 'a2' })
    for (const c of [alice, bob, carol]) expect(await nextPublish(c)).toEqual(published(room, { type: 'announce', from: 'a2' }, 3))
    await expectYjsQuiet(room, { alice, bob, carol })
  })

  it('takes only the token room: other topics in subscribe are skipped, a publish to another topic reaches nobody and is counted', async () => {
    const room = 'y-own'
    const alice = await openYjs(s, 'alice', room, 0)
    await subscribe(alice, [room])
    const before = await yjsStats(s, 1)
    // Mallory holds a valid token for another room and tries this one, as a provider with two rooms open does.
    const mallory = await openYjs(s, 'mallory', 'y-elsewhere', 1)
    await subscribe(mallory, [room, 42, null, 'y-third'])
    publish(mallory, room, { type: 'announce', from: 'm' })
    expect(await mallory.sync()).toEqual([])
    const after = await yjsStats(s, 1)
    expect(after.dropped.other_topic ?? 0).toBe((before.dropped.other_topic ?? 0) + 1)
    expect(after.ignoredTopics).toBe(before.ignoredTopics + 2)
    // Her own room works as usual, alone.
    await subscribe(mallory, ['y-elsewhere'])
    publish(mallory, 'y-elsewhere', { type: 'announce', from: 'm' })
    expect(await nextPublish(mallory)).toEqual(published('y-elsewhere', { type: 'announce', from: 'm' }, 1))
    await expectYjsQuiet(room, { alice })
    expect(await mallory.sync()).toEqual([])
  })

  it('ends delivery and the count on unsubscribe, counts again on a new subscribe, and drops a publish before subscribing', async () => {
    const room = 'y-unsub'
    const alice = await openYjs(s, 'alice', room, 0)
    const bob = await openYjs(s, 'bob', room, 1)
    await subscribe(alice, [room])
    const before = await yjsStats(s, 1)
    publish(bob, room, { type: 'announce', from: 'b' })
    expect(await bob.sync()).toEqual([])
    expect((await yjsStats(s, 1)).dropped.not_subscribed ?? 0).toBe((before.dropped.not_subscribed ?? 0) + 1)
    await subscribe(bob, [room])
    publish(bob, room, { n: 1 })
    for (const c of [alice, bob]) expect(await nextPublish(c)).toEqual(published(room, { n: 1 }, 2))
    bob.send({ type: 'unsubscribe', topics: ['y-other', room] })
    expect(await bob.sync()).toEqual([])
    // Alice's instance hears of the leave through the bus: her next publish counts 1 once it has.
    await until(async () => {
      publish(alice, room, { probe: true })
      return (await nextPublish(alice)).clients === 1
    }, "alice's instance saw bob leave")
    publish(alice, room, { n: 2 })
    expect(await nextPublish(alice)).toEqual(published(room, { n: 2 }, 1))
    expect(await bob.sync()).toEqual([])
    await subscribe(bob, [room])
    publish(bob, room, { n: 3 })
    for (const c of [alice, bob]) expect(await nextPublish(c)).toEqual(published(room, { n: 3 }, 2))
    await expectYjsQuiet(room, { alice, bob })
  })

  it('keeps several sockets of one user, on one reused token, as separate subscribers (no replacement)', async () => {
    const room = 'y-tabs'
    const token = await s.token('alice', room, { peer: 0 })
    const tabs = [await openYjs(s, 'alice', room, 0, { token }), await openYjs(s, 'alice', room, 1, { token }), await openYjs(s, 'alice', room, 0, { token })]
    for (const tab of tabs) await subscribe(tab, [room])
    publish(tabs[2]!, room, { type: 'announce', from: 'tab3' })
    for (const tab of tabs) expect(await nextPublish(tab)).toEqual(published(room, { type: 'announce', from: 'tab3' }, 3))
    await expectYjsQuiet(room, { one: tabs[0]!, two: tabs[1]!, three: tabs[2]! })
    for (const tab of tabs) expect(tab.closed).toBeNull()
  })

  it('answers ping with the stock pong, subscribed or not', async () => {
    const alice = await openYjs(s, 'alice', 'y-ping', 0)
    alice.send({ type: 'ping' })
    expect(await alice.next()).toEqual({ type: 'pong' })
    await subscribe(alice, ['y-ping'])
    alice.send('{"type":"ping","extra":[1,2]}')
    expect(await alice.next()).toEqual({ type: 'pong' })
  })

  it('keeps a /yjs room apart from the /ws room of the same name; the store lists it as yjs/<room>', async () => {
    const room = 'y-apart'
    const yjs = await openYjs(s, 'alice', room, 0)
    await subscribe(yjs, [room])
    const { reply } = await s.join('bob', room, { peer: 1 })
    expect(userIds(reply.data?.peers)).toEqual([])
    const rooms = (await s.api('/api/rooms')).body.rooms as { roomId: string; peerCount: number }[]
    expect(rooms.filter((r) => r.roomId === room || r.roomId === `yjs/${room}`).map((r) => [r.roomId, r.peerCount]).sort()).toEqual([
      [room, 1],
      [`yjs/${room}`, 1],
    ])
    expect(await yjsQuiet(room, { yjs })).toEqual({ yjs: [] })
  })
}
