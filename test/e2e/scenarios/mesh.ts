/** @module Relay between peers: offer, answer and candidates with sender stamping, targeting, broadcast and ordering. */
import { describe, expect, it } from 'vitest'
import type { Frame, TestClient } from '../../helpers/ws-client.js'
import { expectQuiet, nextFrame } from '../support/sentinels.js'
import { fakeCandidate, fakeSdp, ofType, untimed } from '../support/scenario.js'
import { deploy, type Stage } from '../support/stage.js'
import type { Target } from '../support/target.js'

const CANDIDATES = 8
/** Any timestamp: the server's clock stamps it. */
const any = expect.any(Number)
const forged = { from: 'mallory', userId: 'mallory', senderId: 'mallory', roomId: 'other-room' }

async function collect(client: TestClient, n: number, timeoutMs?: number): Promise<Frame[]> {
  const out: Frame[] = []
  while (out.length < n) out.push(await nextFrame(client, timeoutMs))
  return out
}

export function meshScenarios(target: Target) {
  // Rates out of the way: the volume test sends 1,000 frames at once.
  describe('relay (MESSAGE_RATE=100000)', () => {
    const s = deploy(target, { MESSAGE_RATE: '100000', MESSAGE_BURST: '100000' })
    twoPeers(s)
    fourPeers(s)
    volume(s)
  })
}

function twoPeers(s: Stage) {
  describe('two peers negotiate', () => {
    it('relays offer, answer and 8 candidates each way with the sender stamped and nothing echoed', async () => {
      const { alice, bob } = await s.joinAll('negotiate', ['alice', 'bob'])
      const offerSdp = fakeSdp('alice', 'offer')
      expect(offerSdp.length).toBeGreaterThanOrEqual(1000)
      alice.send({ type: 'sdp-offer', targetUserId: 'bob', ...forged, isAdmin: true, data: { type: 'offer', sdp: offerSdp, extra: 'x' } })
      const stamped = (from: string, to: string) => ({ roomId: 'negotiate', userId: from, from, targetUserId: to, timestamp: any })
      expect(await bob.next()).toEqual({ type: 'sdp-offer', ...stamped('alice', 'bob'), data: { type: 'offer', sdp: offerSdp } })

      const answerSdp = fakeSdp('bob', 'answer')
      bob.send({ type: 'sdp-answer', targetUserId: 'alice', ...forged, data: { type: 'answer', sdp: answerSdp } })
      expect(await alice.next()).toEqual({ type: 'sdp-answer', ...stamped('bob', 'alice'), data: { type: 'answer', sdp: answerSdp } })

      for (let i = 0; i < CANDIDATES; i++) {
        alice.send({ type: 'ice-candidate', targetUserId: 'bob', ...forged, data: { candidate: { ...fakeCandidate('alice', i), junk: 1 } } })
        bob.send({ type: 'ice-candidate', targetUserId: 'alice', ...forged, data: { candidate: fakeCandidate('bob', i) } })
      }
      const atBob = await collect(bob, CANDIDATES)
      const atAlice = await collect(alice, CANDIDATES)
      expect(atBob.map((f) => f.data?.candidate)).toEqual(Array.from({ length: CANDIDATES }, (_, i) => fakeCandidate('alice', i)))
      expect(atAlice.map((f) => f.data?.candidate)).toEqual(Array.from({ length: CANDIDATES }, (_, i) => fakeCandidate('bob', i)))
      for (const f of [...atBob, ...atAlice]) expect(f).toEqual({ type: 'ice-candidate', ...stamped(f.from!, f.targetUserId!), data: { candidate: expect.any(Object) } })
      expect(new Set(atBob.map((f) => f.from))).toEqual(new Set(['alice']))
      expect(new Set(atAlice.map((f) => f.from))).toEqual(new Set(['bob']))
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('keeps the alias type the sender used and accepts `to` as the target', async () => {
      const { alice, bob } = await s.joinAll('aliases', ['alice', 'bob'])
      alice.send({ type: 'offer', to: 'bob', from: 'eve', data: { type: 'offer', sdp: 'v=0\r\n' } })
      bob.send({ type: 'answer', to: 'alice', data: { type: 'answer', sdp: 'v=0\r\n' } })
      const flat = { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host', sdpMid: '0', sdpMLineIndex: 0 }
      alice.send({ type: 'ice', to: 'bob', data: flat })
      alice.send({ type: 'ice', to: 'bob', data: { candidate: null } })
      expect(await bob.next()).toMatchObject({ type: 'offer', from: 'alice', userId: 'alice', targetUserId: 'bob' })
      expect(await alice.next()).toMatchObject({ type: 'answer', from: 'bob', userId: 'bob', targetUserId: 'alice' })
      expect(await bob.next()).toMatchObject({ type: 'ice', from: 'alice', data: flat })
      expect(await bob.next()).toMatchObject({ type: 'ice', from: 'alice', data: { candidate: null } })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('answers peer_not_found alike for a user in another room, a user nowhere, and a peer that left', async () => {
      const { alice, bob } = await s.joinAll('lookup-a', ['alice', 'bob'])
      const { zed } = await s.joinAll('lookup-b', ['zed'], { from: 1 })
      const offer = (to: string) => ({ type: 'sdp-offer', targetUserId: to, data: { type: 'offer', sdp: 'v=0\r\n' } })
      // Control: the same frame reaches a peer of the room.
      alice.send(offer('bob'))
      expect(await bob.next()).toMatchObject({ type: 'sdp-offer', from: 'alice' })
      alice.send(offer('zed'))
      const elsewhere = await alice.next()
      alice.send(offer('nobody-at-all'))
      const unknown = await alice.next()
      expect(elsewhere).toEqual({ type: 'error', data: { code: 'peer_not_found', error: expect.any(String) }, timestamp: any })
      expect(untimed(elsewhere)).toEqual(untimed(unknown))
      // zed, on the other instance when there are two, received nothing.
      await expectQuiet({ zed })
      await bob.close()
      expect(await alice.next()).toMatchObject({ type: 'peer-left', userId: 'bob' })
      alice.send(offer('bob'))
      expect(untimed(await alice.next())).toEqual(untimed(unknown))
      await expectQuiet({ alice })
      await alice.close()
      await zed.close()
    })

    it('refuses a target equal to the sender with invalid_message and relays nothing', async () => {
      const { alice, bob } = await s.joinAll('self-target', ['alice', 'bob'])
      alice.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0\r\n' } })
      expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
      // alice's next frame to bob arrives first: the self-targeted offer went nowhere.
      alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } })
      expect(await bob.next()).toMatchObject({ type: 'ice-candidate', from: 'alice' })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })
  })
}

function fourPeers(s: Stage) {
  describe('four-peer mesh', () => {
    const ids = ['p1', 'p2', 'p3', 'p4'] as const

    it('lets every pair exchange offer, answer and candidates, each in the order sent, each receiver seeing only its own', async () => {
      const peers = await s.joinAll('mesh', ids)
      const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as const))
      for (const [a, b] of pairs) {
        peers[a].send({ type: 'sdp-offer', targetUserId: b, ...forged, data: { type: 'offer', sdp: fakeSdp(`${a}>${b}`, 'offer') } })
        peers[b].send({ type: 'sdp-answer', targetUserId: a, ...forged, data: { type: 'answer', sdp: fakeSdp(`${b}>${a}`, 'answer') } })
        for (let i = 0; i < 3; i++) {
          peers[a].send({ type: 'ice-candidate', targetUserId: b, ...forged, data: { candidate: fakeCandidate(`${a}>${b}`, i) } })
          peers[b].send({ type: 'ice-candidate', targetUserId: a, ...forged, data: { candidate: fakeCandidate(`${b}>${a}`, i) } })
        }
      }
      for (const me of ids) {
        // From each of the 3 others: one SDP and 3 candidates, in the order that peer sent them.
        const got = await collect(peers[me], 3 * 4)
        for (const f of got) {
          expect(Object.keys(f).sort()).toEqual(['data', 'from', 'roomId', 'targetUserId', 'timestamp', 'type', 'userId'])
          expect(f).toMatchObject({ roomId: 'mesh', targetUserId: me, userId: f.from })
        }
        for (const from of ids.filter((x) => x !== me)) {
          const mine = got.filter((f) => f.from === from)
          const kind = from < me ? 'offer' : 'answer'
          expect(mine.map((f) => f.type), `${from}>${me}`).toEqual([`sdp-${kind}`, 'ice-candidate', 'ice-candidate', 'ice-candidate'])
          expect(mine[0]!.data?.sdp).toBe(fakeSdp(`${from}>${me}`, kind))
          expect(mine.slice(1).map((f) => f.data?.candidate)).toEqual([0, 1, 2].map((i) => fakeCandidate(`${from}>${me}`, i)))
        }
      }
      await expectQuiet(peers)
      for (const me of ids) await peers[me].close()
    })

    it('broadcasts an untargeted frame to every other peer of the room, once, and to no other room', async () => {
      const peers = await s.joinAll('bcast', ids)
      const { outsider } = await s.joinAll('bcast-other', ['outsider'], { from: 1 })
      peers.p1.send({ type: 'ice-candidate', userId: 'p3', from: 'p3', data: { candidate: null } })
      for (const me of ['p2', 'p3', 'p4'] as const) {
        // No targetUserId on a broadcast.
        expect(await peers[me].next()).toEqual({ type: 'ice-candidate', roomId: 'bcast', userId: 'p1', from: 'p1', data: { candidate: null }, timestamp: any })
      }
      // The instance that delivered the broadcast to the others had it before the outsider's ping.
      await expectQuiet({ outsider })
      await expectQuiet(peers)
      for (const me of ids) await peers[me].close()
      await outsider.close()
    })
  })
}

function volume(s: Stage) {
  describe('ordering under volume', () => {
    it('delivers 1,000 sequence-numbered candidates from one peer to another in order, none lost', async () => {
      const { a, b } = await s.joinAll('volume', ['a', 'b'])
      const N = 1000
      for (let i = 0; i < N; i++) a.send({ type: 'ice-candidate', targetUserId: 'b', data: { candidate: fakeCandidate('a', i) } })
      const got = await collect(b, N, 15_000)
      expect(got.map((f) => f.data?.candidate.candidate)).toEqual(Array.from({ length: N }, (_, i) => fakeCandidate('a', i).candidate))
      expect(ofType(a.frames, 'error')).toEqual([])
      await expectQuiet({ a, b })
      await a.close()
      await b.close()
    })
  })
}
