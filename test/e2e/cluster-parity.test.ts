/**
 * @module The core end-to-end scenarios (seed flow, mesh, auth rejections, bad frames, limits, lifecycle, joining)
 * played against two server processes sharing one Redis, with each room's peers spread over both: clients must not
 * be able to tell the pair from one server. Each describe block boots its own pair with the short timers it needs.
 *
 * "Exactly once" across instances: a frame from instance A reaches a client on B over pub/sub, so B answering that
 * client's own `ping` proves nothing about A. Every such check ends with a sentinel broadcast from a peer on each
 * instance (`sentinels`): one instance publishes through one connection, in order, so once a client has the sentinel
 * of a peer on A, everything A sent it before has arrived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, eventually, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'
import { fakeCandidate, fakeSdp, forgeToken, ofType, untimed } from './support/scenario.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)
const any = expect.any(Number)

interface Pair {
  A: Instance
  B: Instance
  clients: TestClient[]
}

/** Two instances on a fresh key prefix for the enclosing describe block; long leases so a busy machine expires nobody. */
function cluster(env: Record<string, string>): Pair {
  const prefix = randomPrefix('parity')
  const pair = { clients: [] } as unknown as Pair
  beforeAll(async () => {
    const full = { REDIS_URL, REDIS_PREFIX: prefix, PEER_LEASE_TTL: '10000', CLEANUP_INTERVAL: '100', ...env }
    ;[pair.A, pair.B] = await Promise.all([startInstance(full), startInstance(full)])
  })
  afterAll(async () => {
    for (const c of pair.clients) c.ws.terminate()
    await Promise.all([pair.A?.stop(), pair.B?.stop()])
    await deleteKeys(REDIS_URL, prefix)
  })
  return pair
}

/** The next frame that is not a heartbeat answer (peers that keep themselves alive get those all along). */
async function next(c: TestClient, timeoutMs?: number): Promise<Frame> {
  for (;;) {
    const f = await c.next(undefined, timeoutMs)
    if (f.type !== 'heartbeat') return f
  }
}

/** Opens a socket on `on`, sends `auth` with a token, and returns the client and its first frame. */
async function attempt(pair: Pair, on: Instance, token: string): Promise<{ client: TestClient; first: Frame }> {
  const client = await TestClient.open(on.ws)
  pair.clients.push(client)
  client.send({ type: 'auth', data: { token }, timestamp: Date.now() })
  return { client, first: await client.next() }
}

/**
 * Joins users one after another on the instance given for each (token minted over HTTP on the other instance, or
 * forged when `forge`), checking each earlier peer is told `peer-joined` as its very next frame.
 */
async function joinRoom(pair: Pair, roomId: string, who: [string, Instance][], forge = false): Promise<Record<string, TestClient>> {
  const out: Record<string, TestClient> = {}
  for (const [userId, on] of who) {
    const minter = on === pair.A ? pair.B : pair.A
    const token = forge ? await forgeToken({ sub: userId, room: roomId }) : await minter.token(userId, roomId)
    const { client, first } = await attempt(pair, on, token)
    expect(first, `${userId} joins ${roomId}`).toMatchObject({ type: 'auth', data: { status: 'authenticated' } })
    for (const earlier of Object.values(out)) expect(await next(earlier)).toMatchObject({ type: 'peer-joined', userId })
    out[userId] = client
  }
  return out
}

const sentinelOf = (f: Frame) =>
  f.type === 'ice-candidate' && typeof f.data?.candidate === 'string' && f.data.candidate.startsWith('sentinel:') ? f.from : undefined

/**
 * Every sender broadcasts a sentinel; resolves once each receiver has the sentinel of every sender but itself, and
 * returns, per receiver, the frames (heartbeats aside) that came before them, sentinels excluded.
 */
async function sentinels(senders: TestClient[], receivers: Record<string, TestClient>): Promise<Record<string, Frame[]>> {
  for (const s of senders) s.send({ type: 'ice-candidate', data: { candidate: `sentinel:${crypto.randomUUID()}` } })
  const senderIds = Object.entries(receivers).filter(([, c]) => senders.includes(c)).map(([id]) => id)
  if (senderIds.length !== senders.length) throw new Error('every sentinel sender must be one of the receivers')
  const out: Record<string, Frame[]> = {}
  for (const [me, c] of Object.entries(receivers)) {
    const waiting = new Set(senderIds.filter((id) => id !== me))
    out[me] = []
    while (waiting.size > 0) {
      const f = await next(c)
      const from = sentinelOf(f)
      if (from !== undefined && waiting.delete(from)) continue
      out[me].push(f)
    }
  }
  return out
}

/** The exact `peer-left` frame a room's peers get. */
const peerLeft = (roomId: string, userId: string, reason: string) => ({
  type: 'peer-left',
  roomId,
  userId,
  data: { userId, reason },
  timestamp: any,
})

const userIds = (peers: unknown) => (peers as { userId: string }[]).map((p) => p.userId)

async function members(on: Instance, roomId: string): Promise<string[] | null> {
  const r = await on.json(`/api/rooms/${roomId}`)
  return r.status === 200 ? userIds(r.body.peers).sort() : null
}

/** Runs a cleanup pass on both instances, so that a sweep which would announce someone again has done so. */
async function cleanupBoth(pair: Pair) {
  for (const on of [pair.A, pair.B]) expect((await fetch(`${on.http}/api/maintenance/cleanup`, { method: 'POST' })).status).toBe(200)
}

describe.skipIf(!available)('cluster parity: seed flow, signaling and auth (MAX_PEERS_PER_ROOM=4)', () => {
  const pair = cluster({ MAX_PEERS_PER_ROOM: '4', ROOM_EMPTY_GRACE: '1500', SINGLE_USE_TOKENS: 'true' })

  async function mint(on: Instance, body: Record<string, string>) {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
    const res = await fetch(`${on.http}/api/auth/token`, init)
    expect(res.status).toBe(200)
    return ((await res.json()) as { token: string }).token
  }

  /** The seed README's client: open, send auth, read the first frame. */
  async function seedClient(on: Instance, userId: string, roomId: string, token: string) {
    const client = await TestClient.open(on.ws)
    pair.clients.push(client)
    client.send({ type: 'auth', userId, roomId, data: { token }, timestamp: Date.now() })
    return { client, message: await client.next() }
  }

  it('seed README flow: token minted on A, socket on B, then a second peer the other way round', async () => {
    const { A, B } = pair
    const aliceToken = await mint(A, { userId: 'alice', roomId: 'doc-123', userName: 'Alice' })
    const { client: alice, message } = await seedClient(B, 'alice', 'doc-123', aliceToken)
    expect(message.type === 'auth' && message.data?.status === 'authenticated').toBe(true)
    const limits = { maxMessageBytes: 65536, messagesPerSecond: 50, messageBurst: 1000, maxPeersPerRoom: 4, heartbeatTimeoutMs: 300000 }
    expect(message).toEqual({
      type: 'auth',
      userId: 'alice',
      roomId: 'doc-123',
      data: { status: 'authenticated', userName: 'Alice', peers: [], connectionId: expect.any(String), tokenExpiresAt: any, limits },
      timestamp: any,
    })
    const { client: bob, message: bobMessage } = await seedClient(A, 'bob', 'doc-123', await mint(B, { userId: 'bob', roomId: 'doc-123' }))
    expect(bobMessage.data?.status).toBe('authenticated')
    expect(bobMessage.data?.peers).toEqual([{ userId: 'alice', userName: 'Alice', joinedAt: any }])
    expect(await alice.next()).toEqual({
      type: 'peer-joined',
      roomId: 'doc-123',
      userId: 'bob',
      data: { userId: 'bob', userName: 'bob', joinedAt: any, replaced: false },
      timestamp: any,
    })
    alice.send({ type: 'heartbeat', timestamp: Date.now() })
    expect(await alice.next()).toEqual({ type: 'heartbeat', roomId: 'doc-123', userId: 'alice', data: { status: 'ok' }, timestamp: any })
    bob.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0\r\n' } })
    expect(await alice.next()).toMatchObject({ type: 'sdp-offer', from: 'bob', userId: 'bob', targetUserId: 'alice' })
  })

  it('4-peer mesh over two instances: every pair negotiates, sender stamped, forged ids ignored, nothing echoed', async () => {
    const { A, B } = pair
    const ids = ['p1', 'p2', 'p3', 'p4'] as const
    const peers = await joinRoom(pair, 'mesh', [['p1', A], ['p3', B], ['p2', A], ['p4', B]])
    const forged = { from: 'mallory', userId: 'mallory', roomId: 'other-room' }
    const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as const))
    for (const [a, b] of pairs) {
      peers[a]!.send({ type: 'sdp-offer', targetUserId: b, ...forged, data: { type: 'offer', sdp: fakeSdp(`${a}>${b}`, 'offer') } })
      peers[b]!.send({ type: 'sdp-answer', targetUserId: a, ...forged, data: { type: 'answer', sdp: fakeSdp(`${b}>${a}`, 'answer') } })
      for (let i = 0; i < 3; i++) {
        peers[a]!.send({ type: 'ice-candidate', targetUserId: b, ...forged, data: { candidate: fakeCandidate(`${a}>${b}`, i) } })
        peers[b]!.send({ type: 'ice-candidate', targetUserId: a, ...forged, data: { candidate: fakeCandidate(`${b}>${a}`, i) } })
      }
    }
    for (const me of ids) {
      // From each of the 3 others: one SDP and 3 candidates, in the order that peer sent them.
      const got: Frame[] = []
      while (got.length < 12) got.push(await next(peers[me]!))
      for (const f of got) {
        expect(Object.keys(f).sort()).toEqual(['data', 'from', 'roomId', 'targetUserId', 'timestamp', 'type', 'userId'])
        expect(f).toMatchObject({ roomId: 'mesh', targetUserId: me, userId: f.from })
      }
      for (const from of ids.filter((x) => x !== me)) {
        const mine = got.filter((f) => f.from === from)
        const sdp = from < me ? fakeSdp(`${from}>${me}`, 'offer') : fakeSdp(`${from}>${me}`, 'answer')
        const sdpType = from < me ? 'sdp-offer' : 'sdp-answer'
        expect(mine.map((f) => f.type), `${from}>${me}`).toEqual([sdpType, 'ice-candidate', 'ice-candidate', 'ice-candidate'])
        expect(mine[0]!.data?.sdp).toBe(sdp)
        expect(mine.slice(1).map((f) => f.data?.candidate)).toEqual([0, 1, 2].map((i) => fakeCandidate(`${from}>${me}`, i)))
      }
    }
    const extra = await sentinels([peers.p1!, peers.p3!], peers)
    for (const me of ids) expect(extra[me], me).toEqual([])
  })

  it('broadcast without a target reaches the 3 others exactly once, on both instances, and no other room', async () => {
    const { A, B } = pair
    const peers = await joinRoom(pair, 'bcast', [['p1', A], ['p2', A], ['p3', B], ['p4', B]])
    const { outsider } = await joinRoom(pair, 'bcast-other', [['outsider', B]])
    peers.p1!.send({ type: 'ice-candidate', userId: 'p3', from: 'p3', data: { candidate: null } })
    const broadcast = { type: 'ice-candidate', roomId: 'bcast', userId: 'p1', from: 'p1', data: { candidate: null }, timestamp: any }
    for (const me of ['p2', 'p3', 'p4']) expect(await next(peers[me]!)).toEqual(broadcast)
    // B already delivered the broadcast to p3 and p4: had it also gone to the outsider, that came before this pong.
    expect(await outsider!.sync()).toEqual([])
    const extra = await sentinels([peers.p2!, peers.p4!], peers)
    for (const me of ['p1', 'p2', 'p3', 'p4']) expect(extra[me], me).toEqual([])
  })

  it('answers peer_not_found alike for a user in another room on the other instance, a user nowhere, and a peer that left', async () => {
    const { A, B } = pair
    const { alice, bob } = await joinRoom(pair, 'lookup-a', [['alice', A], ['bob', B]])
    const { zed } = await joinRoom(pair, 'lookup-b', [['zed', B]])
    const offer = (to: string) => ({ type: 'sdp-offer', targetUserId: to, data: { type: 'offer', sdp: 'v=0\r\n' } })
    // Control: the same frame does cross to a peer of the room on B.
    alice!.send(offer('bob'))
    expect(await bob!.next()).toMatchObject({ type: 'sdp-offer', from: 'alice' })
    alice!.send(offer('zed'))
    const elsewhere = await alice!.next()
    alice!.send(offer('nobody-at-all'))
    const unknown = await alice!.next()
    expect(elsewhere).toEqual({ type: 'error', data: { code: 'peer_not_found', error: expect.any(String) }, timestamp: any })
    expect(untimed(elsewhere)).toEqual(untimed(unknown))
    expect(await zed!.sync()).toEqual([])
    await bob!.close()
    expect(await alice!.next()).toMatchObject({ type: 'peer-left', userId: 'bob' })
    alice!.send(offer('bob'))
    expect(untimed(await alice!.next())).toEqual(untimed(unknown))
    expect(await alice!.sync()).toEqual([])
  })

  it('rejects a token for another room or user (4003) and a reused single-use token (4001); the room sees nobody', async () => {
    const { A, B } = pair
    const room = await joinRoom(pair, 'guarded', [['anchor', A], ['observer', B]])
    const auth = (token: string) => ({ type: 'auth', userId: 'alice', roomId: 'guarded', data: { token } })
    const cases: [string, number, string][] = [
      [await A.token('alice', 'other-room'), 4003, 'token_mismatch'],
      [await B.token('bob', 'guarded'), 4003, 'token_mismatch'],
    ]
    const used = await A.token('alice', 'guarded')
    const { client: first } = await TestClient.join(A.ws, used)
    pair.clients.push(first)
    for (const c of Object.values(room)) expect(await c.next()).toMatchObject({ type: 'peer-joined', userId: 'alice' })
    await first.close()
    for (const c of Object.values(room)) expect(await c.next()).toMatchObject({ type: 'peer-left', userId: 'alice' })
    cases.push([used, 4001, 'token_used'])
    for (const [token, closeCode, code] of cases) {
      for (const on of [A, B]) {
        const client = await TestClient.open(on.ws)
        pair.clients.push(client)
        client.send(auth(token))
        expect(await client.next(), code).toEqual({ type: 'error', data: { code, error: expect.any(String) }, timestamp: any })
        expect((await client.waitClose()).code).toBe(closeCode)
      }
    }
    const extra = await sentinels([room.anchor!, room.observer!], room)
    expect(extra).toEqual({ anchor: [], observer: [] })
    // A fresh token for the same user still works.
    const { first: fresh } = await attempt(pair, B, await A.token('alice', 'guarded'))
    expect(fresh).toMatchObject({ type: 'auth', data: { status: 'authenticated' } })
  })

  it('closes a second auth on an authenticated socket with 4003, and both instances see the peer leave once', async () => {
    const { A, B } = pair
    const room = await joinRoom(pair, 'twice', [['anchor', A], ['observer', B], ['alice', A]])
    const { alice, ...others } = room
    alice!.send({ type: 'auth', userId: 'mallory', roomId: 'twice', data: { token: await B.token('mallory', 'twice') } })
    expect(await alice!.next()).toMatchObject({ type: 'error', data: { code: 'already_authenticated' } })
    expect((await alice!.waitClose()).code).toBe(4003)
    for (const c of Object.values(others)) expect(await c.next()).toEqual(peerLeft('twice', 'alice', 'already_authenticated'))
    await cleanupBoth(pair)
    expect(await sentinels([others.anchor!, others.observer!], others)).toEqual({ anchor: [], observer: [] })
    expect(await members(B, 'twice')).toEqual(['anchor', 'observer'])
  })

  it('closes a peer after 10 invalid frames (4000); the other instance`s peers get peer-left too_many_invalid once', async () => {
    const { A, B } = pair
    const room = await joinRoom(pair, 'bad-streak', [['alice', A], ['bob', B], ['carol', A]])
    const { alice, ...others } = room
    for (let i = 0; i < 10; i++) alice!.send('{oops')
    for (let i = 0; i < 10; i++) expect(await alice!.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
    expect(await alice!.next()).toMatchObject({ type: 'error', data: { code: 'too_many_invalid' } })
    expect((await alice!.waitClose()).code).toBe(4000)
    for (const c of Object.values(others)) expect(await c.next()).toEqual(peerLeft('bad-streak', 'alice', 'too_many_invalid'))
    expect(await sentinels([others.bob!, others.carol!], others)).toEqual({ bob: [], carol: [] })
  })

  it('leave-room is acknowledged and announced once on both instances; a plain close likewise', async () => {
    const { A, B } = pair
    const room = await joinRoom(pair, 'leave', [['alice', A], ['bob', B], ['carol', A], ['dave', B]])
    const { alice, bob, carol, dave } = room
    alice!.send({ type: 'leave-room' })
    expect(await alice!.next()).toEqual({ type: 'leave-room', roomId: 'leave', userId: 'alice', data: { status: 'left' }, timestamp: any })
    expect((await alice!.waitClose()).code).toBe(1000)
    for (const c of [bob!, carol!, dave!]) expect(await c.next()).toEqual(peerLeft('leave', 'alice', 'left'))
    await bob!.close()
    for (const c of [carol!, dave!]) expect(await c.next()).toEqual(peerLeft('leave', 'bob', 'disconnected'))
    await cleanupBoth(pair)
    expect(await sentinels([carol!, dave!], { carol: carol!, dave: dave! })).toEqual({ carol: [], dave: [] })
    for (const on of [A, B]) expect(await members(on, 'leave')).toEqual(['carol', 'dave'])
  })

  it('room_full across instances: the 5th peer gets room_full then 4004 on either; the same user rejoining replaces', async () => {
    const { A, B } = pair
    const room = await joinRoom(pair, 'small', [['u1', A], ['u2', B], ['u3', A], ['u4', B]])
    for (const [userId, on] of [['u5', B], ['u6', A]] as const) {
      const { client, first } = await attempt(pair, on, await A.token(userId, 'small'))
      expect(first).toEqual({ type: 'error', data: { code: 'room_full', error: expect.any(String) }, timestamp: any })
      expect((await client.waitClose()).code).toBe(4004)
    }
    expect(await sentinels([room.u1!, room.u2!], room)).toEqual({ u1: [], u2: [], u3: [], u4: [] })
    for (const on of [A, B]) expect(await members(on, 'small')).toEqual(['u1', 'u2', 'u3', 'u4'])
    // u1 (on A) comes back on B while the room is full: a replacement, not a fifth peer.
    const { client: u1again, first } = await attempt(pair, B, await A.token('u1', 'small'))
    expect(userIds(first.data?.peers).sort()).toEqual(['u2', 'u3', 'u4'])
    expect((await room.u1!.waitClose()).code).toBe(4009)
    const rest = { u1: u1again, u2: room.u2!, u3: room.u3!, u4: room.u4! }
    const replacedJoin = { type: 'peer-joined', userId: 'u1', data: { replaced: true } }
    for (const c of [rest.u2, rest.u3, rest.u4]) expect(await c.next()).toMatchObject(replacedJoin)
    expect(await sentinels([rest.u1, rest.u3], rest)).toEqual({ u1: [], u2: [], u3: [], u4: [] })
  })

  it('deletes an empty room after ROOM_EMPTY_GRACE as seen from both instances, and keeps one rejoined in time', async () => {
    const { A, B } = pair
    const { alice, bob } = await joinRoom(pair, 'ephemeral', [['alice', A], ['bob', B]])
    await alice!.close()
    const leftAt = Date.now()
    await bob!.close()
    for (const on of [A, B]) {
      const during = await eventually(async () => {
        const r = await on.json('/api/rooms/ephemeral')
        return r.status === 200 && r.body.peerCount === 0 ? r : undefined
      }, 1000, 'the room listed empty during the grace')
      expect(during.body.peers).toEqual([])
    }
    for (const on of [A, B]) await eventually(async () => (await on.json('/api/rooms/ephemeral')).status === 404, 5000, 'the room deleted')
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(1500)
    for (const on of [A, B]) {
      const rooms = (await on.json('/api/rooms')).body.rooms as { roomId: string }[]
      expect(rooms.map((r) => r.roomId)).not.toContain('ephemeral')
    }

    const { carol } = await joinRoom(pair, 'comeback', [['carol', A]])
    const createdAt = (await B.json('/api/rooms/comeback')).body.createdAt
    await carol!.close()
    await eventually(async () => (await A.json('/api/rooms/comeback')).body.peerCount === 0, 1000, 'carol gone')
    const { carol: back } = await joinRoom(pair, 'comeback', [['carol', B]])
    expect((await A.json('/api/rooms/comeback')).body).toMatchObject({ createdAt, peerCount: 1 })
    expect(await back!.sync()).toEqual([])
  })
})

describe.skipIf(!available)('cluster parity: heartbeat expiry (PEER_HEARTBEAT_TIMEOUT=1500)', () => {
  const pair = cluster({ PEER_HEARTBEAT_TIMEOUT: '1500' })

  it('closes a silent peer with idle_timeout then 4010; the others on both instances get peer-left timeout once', async () => {
    const { A, B } = pair
    const before = Date.now()
    const room = await joinRoom(pair, 'idle', [['wa', A], ['silent', A], ['wb', B]])
    const { silent, ...watchers } = room
    const beat = setInterval(() => Object.values(watchers).forEach((c) => c.send({ type: 'heartbeat' })), 250)
    try {
      expect(await silent!.next(undefined, 5000)).toMatchObject({ type: 'error', data: { code: 'idle_timeout' } })
      expect((await silent!.waitClose()).code).toBe(4010)
      expect(Date.now() - before).toBeGreaterThanOrEqual(1500)
      for (const c of Object.values(watchers)) expect(await next(c)).toEqual(peerLeft('idle', 'silent', 'timeout'))
      await cleanupBoth(pair)
      expect(await sentinels([watchers.wa!, watchers.wb!], watchers)).toEqual({ wa: [], wb: [] })
      for (const c of Object.values(watchers)) expect(c.closed).toBeNull()
      for (const on of [A, B]) expect(await members(on, 'idle')).toEqual(['wa', 'wb'])
    } finally {
      clearInterval(beat)
    }
  })
})

/**
 * Message rate: the token bucket belongs to the socket, and a socket lives on the one instance that accepted it, so
 * the per-socket limit is the same with one instance or many (it is kept per instance, never shared through Redis).
 * Token minting is limited per client address and that counter is shared: TOKEN_RATE_LIMIT holds for the cluster.
 * WebSocket tokens in this block are forged, so that minting here is only the mint test's own.
 */
describe.skipIf(!available)('cluster parity: limits and inactive rooms', () => {
  const pair = cluster({
    MESSAGE_RATE: '1',
    MESSAGE_BURST: '5',
    TOKEN_RATE_LIMIT: '4',
    MAX_ROOMS: '2',
    ROOM_INACTIVITY_TIMEOUT: '1500',
    ROOM_EMPTY_GRACE: '0',
  })

  it('a socket over its message rate gets rate_limited once, then 4008; the other instance sees 5 relays and one peer-left', async () => {
    const { A, B } = pair
    const { alice, bob, carol } = await joinRoom(pair, 'rate', [['alice', A], ['bob', B], ['carol', A]], true)
    // One write: 5 pass, the 6th is dropped with one warning, the 11th (6 dropped in a row > burst 5) closes.
    for (let i = 0; i < 16; i++) alice!.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: `seq:${i}` } })
    expect((await alice!.waitClose()).code).toBe(4008)
    expect(ofType(alice!.frames, 'error').map((f) => f.data?.code)).toEqual(['rate_limited', 'rate_limited'])
    const got: Frame[] = []
    while (got.length < 6) got.push(await bob!.next())
    const relayed = got.slice(0, 5).map((f) => [f.type, f.from, f.data?.candidate])
    expect(relayed).toEqual([0, 1, 2, 3, 4].map((i) => ['ice-candidate', 'alice', `seq:${i}`]))
    expect(got[5]).toEqual(peerLeft('rate', 'alice', 'rate_limited'))
    expect(await carol!.next()).toEqual(peerLeft('rate', 'alice', 'rate_limited'))
    expect(await sentinels([bob!, carol!], { bob: bob!, carol: carol! })).toEqual({ bob: [], carol: [] })
    await Promise.all([bob!.close(), carol!.close()])
  })

  it('shares TOKEN_RATE_LIMIT: 4 mints alternating over A and B pass, the 5th is refused with 429 on either', async () => {
    const statuses: number[] = []
    let refused: unknown
    for (const on of [pair.A, pair.B, pair.A, pair.B, pair.A, pair.B]) {
      const res = await fetch(`${on.http}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'u', roomId: 'r' }),
      })
      statuses.push(res.status)
      const body: unknown = await res.json()
      if (res.status === 429) refused = body
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
    expect(refused).toEqual({ code: 'rate_limited', error: expect.any(String) })
  })

  it('closes an inactive room whose peers are on both instances: room-closed, then 4011, and no peer-left', async () => {
    const { A, B } = pair
    const early = await joinRoom(pair, 'stale', [['alice', A], ['bob', B]], true)
    // Taken before the last join, which is the room's last activity.
    const quietSince = Date.now()
    const peers = { ...early, ...(await joinRoom(pair, 'stale', [['carol', A]], true)) }
    for (const c of Object.values(early)) expect(await c.next()).toMatchObject({ type: 'peer-joined', userId: 'carol' })
    for (const c of Object.values(peers)) {
      expect(await c.next(undefined, 5000)).toEqual({ type: 'room-closed', roomId: 'stale', data: { reason: 'inactive' }, timestamp: any })
      expect(await c.next()).toMatchObject({ type: 'error', data: { code: 'room_closed' } })
      expect((await c.waitClose()).code).toBe(4011)
      expect(ofType(c.frames, 'peer-left')).toEqual([])
    }
    expect(Date.now() - quietSince).toBeGreaterThanOrEqual(1500)
    for (const on of [A, B]) expect((await on.json('/api/rooms/stale')).status).toBe(404)
  })

  it('counts MAX_ROOMS across instances: a third room is refused with rooms_exhausted then 1013 on either', async () => {
    const { A, B } = pair
    await eventually(async () => (await A.json('/api/rooms')).body.count === 0, 5000, 'earlier rooms deleted')
    const { alice } = await joinRoom(pair, 'r1', [['alice', A]], true)
    await joinRoom(pair, 'r2', [['bob', B]], true)
    for (const [userId, on] of [['carol', B], ['dave', A]] as const) {
      const { client, first } = await attempt(pair, on, await forgeToken({ sub: userId, room: 'r3' }))
      expect(first).toEqual({ type: 'error', data: { code: 'rooms_exhausted', error: expect.any(String) }, timestamp: any })
      expect((await client.waitClose()).code).toBe(1013)
    }
    for (const on of [A, B]) expect((await on.json('/api/rooms/r3')).status).toBe(404)
    // Existing rooms still take peers, from either instance.
    const { client: erin, first } = await attempt(pair, B, await forgeToken({ sub: 'erin', room: 'r1' }))
    expect(first).toMatchObject({ type: 'auth', data: { status: 'authenticated', peers: [{ userId: 'alice' }] } })
    expect(await alice!.next()).toMatchObject({ type: 'peer-joined', userId: 'erin' })
    erin.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0' } })
    expect(await alice!.next()).toMatchObject({ type: 'sdp-offer', from: 'erin' })
  })
})
