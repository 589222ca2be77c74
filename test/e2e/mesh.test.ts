/** @module Relay between peers: offer, answer and candidates with sender stamping, targeting, broadcast and ordering. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import type { Frame, TestClient } from '../helpers/ws-client.js'
import { fakeCandidate, fakeSdp, joinAll, ofType, untimed } from './support/scenario.js'

const CANDIDATES = 8
/** Any timestamp: the server's clock stamps it. */
const any = expect.any(Number)

describe('two peers negotiate', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  it('relays offer, answer and 8 candidates each way with the sender stamped and nothing echoed', async () => {
    const { alice, bob } = (await joinAll(server, 'negotiate', ['alice', 'bob'])) as { alice: TestClient; bob: TestClient }
    const forged = { from: 'mallory', userId: 'mallory', senderId: 'mallory', roomId: 'other-room' }
    const offerSdp = fakeSdp('alice', 'offer')
    expect(offerSdp.length).toBeGreaterThanOrEqual(1000)
    alice.send({ type: 'sdp-offer', targetUserId: 'bob', ...forged, isAdmin: true, data: { type: 'offer', sdp: offerSdp, extra: 'x' } })
    const offer = await bob.next()
    const stamped = (from: string, to: string) => ({ roomId: 'negotiate', userId: from, from, targetUserId: to, timestamp: any })
    expect(offer).toEqual({ type: 'sdp-offer', ...stamped('alice', 'bob'), data: { type: 'offer', sdp: offerSdp } })

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
    for (const f of [...atBob, ...atAlice]) {
      expect(Object.keys(f).sort()).toEqual(['data', 'from', 'roomId', 'targetUserId', 'timestamp', 'type', 'userId'])
      expect(f.from).toBe(f.userId)
      expect(f.roomId).toBe('negotiate')
    }
    expect(new Set(atBob.map((f) => f.from))).toEqual(new Set(['alice']))
    expect(new Set(atAlice.map((f) => f.from))).toEqual(new Set(['bob']))
    // Sentinel: each sender's own answer to a heartbeat comes after anything the server sent it.
    expect(await alice.sync()).toEqual([])
    expect(await bob.sync()).toEqual([])
    await alice.close()
    await bob.close()
  })

  it('keeps the alias type the sender used and accepts `to` as the target', async () => {
    const { alice, bob } = (await joinAll(server, 'aliases', ['alice', 'bob'])) as { alice: TestClient; bob: TestClient }
    alice.send({ type: 'offer', to: 'bob', from: 'eve', data: { type: 'offer', sdp: 'v=0\r\n' } })
    bob.send({ type: 'answer', to: 'alice', data: { type: 'answer', sdp: 'v=0\r\n' } })
    const flat = { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    alice.send({ type: 'ice', to: 'bob', data: flat })
    alice.send({ type: 'ice', to: 'bob', data: { candidate: null } })
    expect(await bob.next()).toMatchObject({ type: 'offer', from: 'alice', userId: 'alice', targetUserId: 'bob' })
    expect(await alice.next()).toMatchObject({ type: 'answer', from: 'bob', userId: 'bob', targetUserId: 'alice' })
    expect(await bob.next()).toMatchObject({ type: 'ice', from: 'alice', data: flat })
    expect(await bob.next()).toMatchObject({ type: 'ice', from: 'alice', data: { candidate: null } })
    expect(await alice.sync()).toEqual([])
    expect(await bob.sync()).toEqual([])
    await alice.close()
    await bob.close()
  })

  it('answers peer_not_found identically for an unknown user and for a user in another room', async () => {
    const { alice } = (await joinAll(server, 'lookup-a', ['alice'])) as { alice: TestClient }
    const { zed } = (await joinAll(server, 'lookup-b', ['zed'])) as { zed: TestClient }
    alice.send({ type: 'sdp-offer', targetUserId: 'zed', data: { type: 'offer', sdp: 'v=0\r\n' } })
    const elsewhere = await alice.next()
    alice.send({ type: 'sdp-offer', targetUserId: 'nobody-at-all', data: { type: 'offer', sdp: 'v=0\r\n' } })
    const unknown = await alice.next()
    expect(elsewhere).toMatchObject({ type: 'error', data: { code: 'peer_not_found' } })
    expect(untimed(elsewhere)).toEqual(untimed(unknown))
    // zed received nothing, and alice's socket is still fine.
    expect(await zed.sync()).toEqual([])
    expect(await alice.sync()).toEqual([])
    await alice.close()
    await zed.close()
  })

  it('refuses a target equal to the sender with invalid_message and relays nothing', async () => {
    const { alice, bob } = (await joinAll(server, 'self-target', ['alice', 'bob'])) as { alice: TestClient; bob: TestClient }
    alice.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0\r\n' } })
    expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
    // alice's next frame to bob arrives first: the self-targeted offer went nowhere.
    alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } })
    expect(await bob.next()).toMatchObject({ type: 'ice-candidate', from: 'alice' })
    await alice.close()
    await bob.close()
  })
})

describe('four-peer mesh', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  const ids = ['p1', 'p2', 'p3', 'p4'] as const

  it('lets every pair exchange offer, answer and candidates, each receiver seeing only its own frames', async () => {
    const peers = await joinAll(server, 'mesh', ids)
    const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as const))
    for (const [a, b] of pairs) {
      peers[a].send({ type: 'sdp-offer', targetUserId: b, from: b, data: { type: 'offer', sdp: fakeSdp(`${a}>${b}`, 'offer') } })
      peers[b].send({ type: 'sdp-answer', targetUserId: a, from: a, data: { type: 'answer', sdp: fakeSdp(`${b}>${a}`, 'answer') } })
      for (let i = 0; i < 3; i++) {
        peers[a].send({ type: 'ice-candidate', targetUserId: b, data: { candidate: fakeCandidate(`${a}>${b}`, i) } })
        peers[b].send({ type: 'ice-candidate', targetUserId: a, data: { candidate: fakeCandidate(`${b}>${a}`, i) } })
      }
    }
    // Each peer talks to 3 others: 1 SDP and 3 candidates from each.
    for (const me of ids) {
      const got = await collectN(peers[me], 3 * 4)
      for (const f of got) {
        expect(f.targetUserId, me).toBe(me)
        expect(f.userId).toBe(f.from)
        const tag = f.type === 'ice-candidate' ? f.data?.candidate.usernameFragment : /s=(\S+)-/.exec(f.data?.sdp)?.[1]
        expect(tag).toBe(`${f.from}>${me}`)
      }
      const senders = new Set(got.map((f) => f.from))
      expect(senders).toEqual(new Set(ids.filter((x) => x !== me)))
      for (const from of senders) {
        const mine = got.filter((f) => f.from === from)
        const expected = [0, 1, 2].map((i) => fakeCandidate(`${from}>${me}`, i).candidate)
        expect(ofType(mine, 'ice-candidate').map((f) => f.data?.candidate.candidate)).toEqual(expected)
      }
    }
    for (const me of ids) expect(await peers[me].sync()).toEqual([])
    for (const me of ids) await peers[me].close()
  })

  it('broadcasts an untargeted frame to every other peer of the room and to no other room', async () => {
    const peers = await joinAll(server, 'bcast', ids)
    const outsider = (await joinAll(server, 'bcast-other', ['p2'])).p2
    peers.p1.send({ type: 'ice-candidate', userId: 'p3', data: { candidate: null } })
    for (const me of ['p2', 'p3', 'p4'] as const) {
      const f = await peers[me].next()
      // No targetUserId on a broadcast.
      expect(f).toEqual({ type: 'ice-candidate', roomId: 'bcast', userId: 'p1', from: 'p1', data: { candidate: null }, timestamp: any })
    }
    // The sender's sentinel arrives after anything it was sent: no echo. The outsider got nothing
    // (it is idle, so a broadcast would be the first frame it reads before its heartbeat answer).
    expect(await peers.p1.sync()).toEqual([])
    expect(await outsider.sync()).toEqual([])
    for (const me of ids) await peers[me].close()
    await outsider.close()
  })
})

describe('ordering under volume', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ MESSAGE_RATE: '100000', MESSAGE_BURST: '100000' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('delivers 1,000 sequence-numbered candidates from A to B in order, none lost', async () => {
    const { a, b } = (await joinAll(server, 'volume', ['a', 'b'])) as { a: TestClient; b: TestClient }
    const N = 1000
    for (let i = 0; i < N; i++) a.send({ type: 'ice-candidate', targetUserId: 'b', data: { candidate: fakeCandidate('a', i) } })
    const got = await collectN(b, N, 15_000)
    expect(got.map((f) => f.data?.candidate.candidate)).toEqual(Array.from({ length: N }, (_, i) => fakeCandidate('a', i).candidate))
    expect(await a.sync()).toEqual([])
    expect(await b.sync()).toEqual([])
    await a.close()
    await b.close()
  })
})

/** The next `n` candidates on a socket (fails on anything else in between). */
async function collect(client: TestClient, n: number): Promise<Frame[]> {
  const out = await collectN(client, n)
  for (const f of out) expect(f.type).toBe('ice-candidate')
  return out
}

async function collectN(client: TestClient, n: number, timeoutMs?: number): Promise<Frame[]> {
  const out: Frame[] = []
  while (out.length < n) out.push(await client.next(undefined, timeoutMs))
  return out
}
