/** @module Room and stats endpoints reflecting real WebSocket peers; the pre-join check with the user's own token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { bearer, itLogsNoJwt, postJson, request } from '../helpers/http.js'
import { TestClient } from '../helpers/ws-client.js'

const ROOM = 'doc-123'

describe('rooms and stats over a real two-peer exchange', () => {
  let server: TestServer
  let alice: TestClient
  let bob: TestClient
  beforeAll(async () => {
    server = await startTestServer()
    alice = (await TestClient.join(server.ws, await server.token('alice', ROOM, 'Alice'))).client
    bob = (await TestClient.join(server.ws, await server.token('bob', ROOM))).client
    await alice.next('peer-joined')
  })
  afterAll(async () => {
    await alice.close()
    await bob.close()
    await server.close()
  })

  it('counts relayed messages in /api/stats after a real offer, answer and candidate', async () => {
    const before = await request(`${server.http}/api/stats`)
    expect(before.status).toBe(200)
    expect(before.json).toMatchObject({ server: expect.any(Object), memory: expect.any(Object), operations: expect.any(Object) })
    const base = before.json.operations.relayed.total as number

    alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'v=0' } })
    await bob.next('sdp-offer')
    bob.send({ type: 'answer', to: 'alice', data: { type: 'answer', sdp: 'v=0' } })
    await alice.next('answer')
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: candidate })
    await bob.next('ice-candidate')

    const after = await request(`${server.http}/api/stats`)
    expect(after.json.operations.relayed.total).toBe(base + 3)
    expect(after.json.operations.relayed.byType).toMatchObject({ 'sdp-offer': 1, answer: 1, 'ice-candidate': 1 })
    expect(after.json.server).toMatchObject({ activeRooms: 1, totalPeers: 2, connections: 2 })
    expect(after.json.operations.auth.successes).toBe(2)
    expect(after.json.memory).toMatchObject({ status: expect.any(String), thresholds: { warningMb: 200, criticalMb: 300 } })
  })

  it('does not count a message that was refused', async () => {
    const base = (await request(`${server.http}/api/stats`)).json.operations.relayed.total as number
    alice.send({ type: 'sdp-offer', targetUserId: 'nobody', data: { sdp: 'v=0' } })
    expect(await alice.next('error')).toMatchObject({ data: { code: 'peer_not_found' } })
    expect((await request(`${server.http}/api/stats`)).json.operations.relayed.total).toBe(base)
  })

  it('lists the joined room in /api/rooms', async () => {
    const res = await request(`${server.http}/api/rooms`)
    expect(res.status).toBe(200)
    expect(res.json.count).toBe(1)
    expect(res.json.rooms).toEqual([expect.objectContaining({ roomId: ROOM, peerCount: 2 })])
  })

  it('shows the peers in /api/rooms/:id and /api/rooms/:id/peers', async () => {
    const room = await request(`${server.http}/api/rooms/${ROOM}`)
    expect(room.status).toBe(200)
    expect(room.json).toMatchObject({ roomId: ROOM, peerCount: 2 })
    const names = (peers: { userId: string; userName: string }[]) => peers.map((p) => `${p.userId}:${p.userName}`).sort()
    expect(names(room.json.peers)).toEqual(['alice:Alice', 'bob:bob'])
    const peers = await request(`${server.http}/api/rooms/${ROOM}/peers`)
    expect(peers.json).toMatchObject({ roomId: ROOM, count: 2 })
    expect(names(peers.json.peers)).toEqual(['alice:Alice', 'bob:bob'])
    expect(peers.json.peers[0]).toEqual({ userId: expect.any(String), userName: expect.any(String), joinedAt: expect.any(Number), nameVerified: true })
  })

  it('gives the room statistics in /api/rooms/:id/stats', async () => {
    const res = await request(`${server.http}/api/rooms/${ROOM}/stats`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ roomId: ROOM, peerCount: 2, capacity: 16, emptySince: null })
    expect(res.json).toMatchObject({ ageMs: expect.any(Number), idleMs: expect.any(Number), expiresAt: expect.any(Number) })
  })

  it.each(['/stats', '/peers', ''])('answers 404 room_not_found for unknown, reserved and oversized ids (suffix %j)', async (suffix) => {
    for (const id of ['no-such-room', '__proto__', 'constructor', 'toString', 'a'.repeat(10 * 1024), '%00', 'a%3Ab']) {
      const res = await request(`${server.http}/api/rooms/${id}${suffix}`)
      expect(res.status, id.slice(0, 20)).toBe(404)
      expect(res.json).toEqual({ error: expect.any(String), code: 'room_not_found' })
    }
  })

  itLogsNoJwt(() => [server])
})

describe('POST /api/rooms/:roomId/join', () => {
  let server: TestServer
  let alice: TestClient
  beforeAll(async () => {
    server = await startTestServer()
    alice = (await TestClient.join(server.ws, await server.token('alice', ROOM, 'Alice'))).client
  })
  afterAll(async () => {
    await alice.close()
    await server.close()
  })

  const join = (roomId: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${server.http}/api/rooms/${roomId}/join`, body, headers)

  it('refuses without a token with 401', async () => {
    const res = await join(ROOM, { user_id: 'bob', user_name: 'Bob' })
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ error: expect.any(String), code: 'unauthorized' })
  })

  it('refuses a garbage token with 401 token_invalid', async () => {
    const res = await join(ROOM, { user_id: 'bob' }, bearer('not.a.jwt'))
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: 'token_invalid' })
  })

  it("refuses another user's token with 403 token_mismatch", async () => {
    const res = await join(ROOM, { user_id: 'bob', user_name: 'Bob' }, bearer(await server.token('carol', ROOM)))
    expect(res.status).toBe(403)
    expect(res.json).toEqual({ error: expect.any(String), code: 'token_mismatch' })
  })

  it("refuses a token for another room with 403 token_mismatch", async () => {
    const res = await join(ROOM, { user_id: 'bob' }, bearer(await server.token('bob', 'elsewhere')))
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({ code: 'token_mismatch' })
  })

  it('answers the seed body with canJoin true and the peers already there', async () => {
    const res = await join(ROOM, { user_id: 'bob', user_name: 'Bob' }, bearer(await server.token('bob', ROOM)))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'ok', roomId: ROOM, userId: 'bob', userName: 'Bob', canJoin: true, reason: null, exists: true })
    expect(res.json.peers).toEqual([{ userId: 'alice', userName: 'Alice', joinedAt: expect.any(Number), nameVerified: true }])
  })

  it('accepts the camelCase body too', async () => {
    const res = await join(ROOM, { userId: 'bob', userName: 'Bob' }, bearer(await server.token('bob', ROOM)))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ userId: 'bob', canJoin: true })
  })

  it('answers for a room that does not exist yet', async () => {
    const res = await join('fresh-room', { user_id: 'bob' }, bearer(await server.token('bob', 'fresh-room')))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ canJoin: true, exists: false, peers: [] })
  })

  it('refuses a body without user_id with 400 invalid_body', async () => {
    const res = await join(ROOM, { user_name: 'Bob' }, bearer(await server.token('bob', ROOM)))
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'invalid_body' })
  })

  it('does not create a room', async () => {
    const rooms = await request(`${server.http}/api/rooms`)
    expect(rooms.json.rooms.map((r: { roomId: string }) => r.roomId)).toEqual([ROOM])
  })

  itLogsNoJwt(() => [server])
})

describe('POST /api/rooms/:roomId/join at capacity', () => {
  let server: TestServer
  let alice: TestClient
  beforeAll(async () => {
    server = await startTestServer({ MAX_PEERS_PER_ROOM: '1' })
    alice = (await TestClient.join(server.ws, await server.token('alice', ROOM))).client
  })
  afterAll(async () => {
    await alice.close()
    await server.close()
  })

  it('answers canJoin false with reason room_full when the room holds MAX_PEERS_PER_ROOM peers', async () => {
    const res = await postJson(`${server.http}/api/rooms/${ROOM}/join`, { user_id: 'bob' }, bearer(await server.token('bob', ROOM)))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ canJoin: false, reason: 'room_full', limits: { maxPeersPerRoom: 1 } })
  })

  it('still answers canJoin true for the peer already inside (it would replace itself)', async () => {
    const res = await postJson(`${server.http}/api/rooms/${ROOM}/join`, { user_id: 'alice' }, bearer(await server.token('alice', ROOM)))
    expect(res.json).toMatchObject({ canJoin: true, reason: null, peers: [] })
  })

  itLogsNoJwt(() => [server])
})
