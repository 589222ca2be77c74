/**
 * @module Two server processes (the real Node entry) sharing one Redis behave, to clients, like one server: signaling,
 * presence, replacement, capacity, leave, room listings, per-sender order, and an instance killed with SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, eventually, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)
const LEASE_MS = 2000

describe.skipIf(!available)('two instances sharing one Redis', () => {
  const prefix = randomPrefix('multi')
  let A: Instance
  let B: Instance
  const clients: TestClient[] = []

  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix, MAX_PEERS_PER_ROOM: '3', PEER_LEASE_TTL: String(LEASE_MS) }
    ;[A, B] = await Promise.all([startInstance(env), startInstance(env)])
  })
  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await Promise.all([A?.stop(), B?.stop()])
    await deleteKeys(REDIS_URL, prefix)
  })

  async function join(on: Instance, userId: string, roomId: string) {
    const { client, reply } = await TestClient.join(on.ws, await on.token(userId, roomId))
    clients.push(client)
    expect(reply.data?.status).toBe('authenticated')
    return { client, reply }
  }
  const ids = (frames: Frame[]) => frames.map((f) => f.userId)
  const peerIds = (reply: Frame) => (reply.data?.peers as { userId: string }[]).map((p) => p.userId)

  it('peers split across instances exchange offer, answer and ICE with the sender stamped and no echo', async () => {
    const { client: alice } = await join(A, 'alice', 'mesh')
    const { client: bob, reply } = await join(B, 'bob', 'mesh')
    expect(peerIds(reply)).toEqual(['alice'])
    expect((await alice.next('peer-joined')).userId).toBe('bob')
    alice.send({ type: 'sdp-offer', targetUserId: 'bob', from: 'mallory', userId: 'mallory', data: { type: 'offer', sdp: 'v=0 offer' } })
    const offer = await bob.next('sdp-offer')
    expect(offer).toMatchObject({ from: 'alice', userId: 'alice', roomId: 'mesh', targetUserId: 'bob', data: { sdp: 'v=0 offer' } })
    bob.send({ type: 'answer', to: 'alice', data: { type: 'answer', sdp: 'v=0 answer' } })
    expect(await alice.next('answer')).toMatchObject({ from: 'bob', targetUserId: 'alice', data: { sdp: 'v=0 answer' } })
    const candidate = 'candidate:1 1 udp 1 127.0.0.1 5000 typ host'
    alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate, sdpMid: '0', sdpMLineIndex: 0 } })
    bob.send({ type: 'ice', data: { candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 5001 typ host', sdpMid: '0' } } })
    expect(await bob.next('ice-candidate')).toMatchObject({ from: 'alice', data: { sdpMid: '0' } })
    expect(await alice.next('ice')).toMatchObject({ from: 'bob', userId: 'bob' })
    expect(alice.all('sdp-offer').concat(alice.all('ice-candidate'))).toEqual([])
    expect(bob.all('answer').concat(bob.all('ice'))).toEqual([])
  })

  it('presence crosses instances: the auth reply lists remote peers, peer-joined and peer-left reach both', async () => {
    const { client: alice } = await join(A, 'alice', 'presence')
    const { client: bob } = await join(B, 'bob', 'presence')
    const { client: carol, reply } = await join(A, 'carol', 'presence')
    expect(peerIds(reply)).toEqual(['alice', 'bob'])
    expect((await bob.next('peer-joined')).userId).toBe('carol')
    bob.send({ type: 'leave-room' })
    expect((await bob.next('leave-room')).data?.status).toBe('left')
    expect((await bob.waitClose()).code).toBe(1000)
    expect((await alice.next('peer-left')).userId).toBe('bob')
    expect((await carol.next('peer-left')).userId).toBe('bob')
    const rooms = await eventually(async () => {
      const r = await B.json('/api/rooms/presence')
      return (r.body.peerCount as number) === 2 ? r.body : undefined
    }, 3000, 'bob gone from the room listing')
    expect(ids(rooms.peers as Frame[])).toEqual(['alice', 'carol'])
    expect(ids(alice.all('peer-left'))).toEqual(['bob'])
  })

  it('the same user joining on the other instance replaces the old socket (4009) with exactly one peer-joined', async () => {
    const { client: oldAlice } = await join(A, 'alice', 'replace')
    const { client: carol } = await join(A, 'carol', 'replace')
    const { client: bob } = await join(B, 'bob', 'replace')
    await carol.next('peer-joined')
    const { client: newAlice, reply } = await join(B, 'alice', 'replace')
    expect(peerIds(reply).sort()).toEqual(['bob', 'carol'])
    expect((await oldAlice.waitClose()).code).toBe(4009)
    expect(await bob.next('peer-joined')).toMatchObject({ userId: 'alice', data: { replaced: true } })
    expect(await carol.next('peer-joined')).toMatchObject({ userId: 'alice', data: { replaced: true } })
    // A later broadcast from the new socket travels the same channel, so everything before it has arrived.
    newAlice.send({ type: 'ice', data: { candidate: 'marker' } })
    await carol.next('ice')
    expect(ids(carol.all('peer-joined')).filter((u) => u === 'alice')).toHaveLength(1)
    expect(carol.all('peer-left')).toEqual([])
    const listed = await A.json('/api/rooms/replace')
    expect(ids(listed.body.peers as Frame[]).sort()).toEqual(['alice', 'bob', 'carol'])
  })

  it('capacity holds across instances: 6 concurrent joins into a room of 3 admit exactly 3', async () => {
    const attempt = async (on: Instance, userId: string) => {
      const client = await TestClient.open(on.ws)
      clients.push(client)
      client.send({ type: 'auth', data: { token: await on.token(userId, 'full') } })
      const first = await client.next()
      return first.type === 'auth' ? 'ok' : String(first.data?.code)
    }
    const outcomes = await Promise.all(['u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u, i) => attempt(i % 2 ? B : A, u)))
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3)
    expect(outcomes.filter((o) => o === 'room_full')).toHaveLength(3)
    expect((await A.json('/api/rooms/full')).body.peerCount).toBe(3)
  })

  it('room listings, stats and the audit trail on either instance show the cluster-wide truth', async () => {
    await join(A, 'alice', 'listing')
    await join(B, 'bob', 'listing')
    const totals: unknown[] = []
    for (const on of [A, B]) {
      const list = await on.json('/api/rooms')
      const room = (list.body.rooms as { roomId: string; peerCount: number }[]).find((r) => r.roomId === 'listing')
      expect(room?.peerCount).toBe(2)
      expect(ids((await on.json('/api/rooms/listing')).body.peers as Frame[])).toEqual(['alice', 'bob'])
      const { activeRooms, totalPeers } = (await on.json('/api/stats')).body.server as Record<string, number>
      totals.push({ activeRooms, totalPeers })
    }
    expect(totals[0]).toEqual(totals[1])
    const audit = await eventually(async () => {
      const events = (await A.json('/api/audit?limit=1000')).body.events as { event: string; userId: string; roomId: string }[]
      return events.some((e) => e.event === 'join' && e.userId === 'bob' && e.roomId === 'listing') ? events : undefined
    }, 3000, 'B`s join in A`s audit trail')
    expect(audit.some((e) => e.event === 'join' && e.userId === 'alice' && e.roomId === 'listing')).toBe(true)
  })

  it('200 sequence-numbered ICE messages to a peer on the other instance arrive in order, once', async () => {
    const { client: alice } = await join(A, 'alice', 'order')
    const { client: bob } = await join(B, 'bob', 'order')
    await alice.next('peer-joined')
    for (let i = 0; i < 200; i++) alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: `seq:${i}` } })
    alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { sdp: 'end' } })
    await bob.next('sdp-offer', 10_000)
    expect(bob.all('ice-candidate').map((f) => f.data?.candidate)).toEqual(Array.from({ length: 200 }, (_, i) => `seq:${i}`))
    expect(alice.all('error')).toEqual([])
  })

  it('SIGKILL of one instance: its peers leave the other instance`s room within the lease, each announced once', async () => {
    const { client: bob } = await join(B, 'bob', 'crash')
    await join(A, 'alice', 'crash')
    const { client: carol } = await join(B, 'carol', 'crash')
    await bob.next('peer-joined')
    const killedAt = Date.now()
    await A.stop('SIGKILL')
    // A relay to a peer of the dead instance is never silently dropped: the sender gets an error.
    bob.send({ type: 'ice-candidate', targetUserId: 'alice', data: { candidate: 'to the dead' } })
    expect(['relay_failed', 'peer_not_found']).toContain((await bob.next('error')).data?.code)
    expect(await bob.next('peer-left', LEASE_MS + 3000)).toMatchObject({ userId: 'alice', data: { reason: 'expired' } })
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 1500)
    expect((await carol.next('peer-left')).userId).toBe('alice')
    const after = await B.json('/api/rooms/crash')
    expect(ids(after.body.peers as Frame[])).toEqual(['bob', 'carol'])
    await fetch(`${B.http}/api/maintenance/cleanup`, { method: 'POST' })
    expect(ids(bob.all('peer-left'))).toEqual(['alice'])
    expect(ids(carol.all('peer-left'))).toEqual(['alice'])
  })
})
