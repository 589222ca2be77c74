/**
 * @module Joins at the same moment, with Redis: every peer learns of every other exactly once (auth reply or
 * one peer-joined, never both, never neither), and nobody gets a newcomer's frame before its peer-joined.
 * Each of these failed before the hub subscribed to a room ahead of the store join and replayed what the
 * room said meanwhile (1-2 rounds in 40 missed peers across instances; ~15 duplicate peer-joined per round).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)
const PEERS = 6
const ROUNDS = 12

const listed = (reply: Frame) => (reply.data?.peers as { userId: string }[]).map((p) => p.userId)

/**
 * Joins PEERS users to one room at once (user i on place(i)), then checks what each was told: after every
 * client has seen a marker broadcast from each other peer, nothing more can be in flight from those joins.
 */
async function concurrentRound(room: string, place: (i: number) => Instance) {
  const users = Array.from({ length: PEERS }, (_, i) => `u${i}`)
  const tokens = await Promise.all(users.map((u, i) => place(i).token(u, room)))
  const clients = await Promise.all(users.map((_, i) => TestClient.open(place(i).ws)))
  try {
    const replies = await Promise.all(
      clients.map((c, i) => {
        c.send({ type: 'auth', data: { token: tokens[i] } })
        return c.next('auth')
      }),
    )
    // Everyone must come to know the PEERS-1 others; wait for the missing ones as peer-joined frames.
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = listed(replies[i]!).length; n < PEERS - 1; n++) await c.next('peer-joined', 5000)
      }),
    )
    for (const c of clients) c.send({ type: 'ice-candidate', data: { candidate: 'marker' } })
    await Promise.all(clients.map(async (c) => {
      for (let n = 0; n < PEERS - 1; n++) await c.next('ice-candidate', 5000)
    }))
    return users.map((u, i) => ({
      user: u,
      listed: listed(replies[i]!),
      joined: clients[i]!.all('peer-joined').map((f) => f.userId),
      markersFrom: clients[i]!.all('ice-candidate').map((f) => f.from),
      others: users.filter((o) => o !== u),
    }))
  } finally {
    for (const c of clients) c.ws.terminate()
  }
}

function expectEveryoneKnowsEveryoneOnce(seen: Awaited<ReturnType<typeof concurrentRound>>) {
  for (const s of seen) {
    expect([...s.listed, ...s.joined].sort(), `${s.user}: auth reply [${s.listed}] + peer-joined [${s.joined}]`).toEqual(s.others)
    expect(s.markersFrom.sort()).toEqual(s.others)
  }
}

describe.skipIf(!available)('concurrent joins with Redis', () => {
  const prefix = randomPrefix('races')
  let A: Instance
  let B: Instance

  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix, MAX_PEERS_PER_ROOM: '50', PEER_LEASE_TTL: '10000' }
    ;[A, B] = await Promise.all([startInstance(env), startInstance(env)])
  })
  afterAll(async () => {
    await Promise.all([A?.stop(), B?.stop()])
    await deleteKeys(REDIS_URL, prefix)
  })

  it(`${ROUNDS} rounds of ${PEERS} peers joining at once, split over two instances: each peer told of each other exactly once`, async () => {
    for (let r = 0; r < ROUNDS; r++) expectEveryoneKnowsEveryoneOnce(await concurrentRound(`split-${r}`, (i) => (i % 2 ? B : A)))
  })

  it(`${ROUNDS} rounds of ${PEERS} peers joining at once on one Redis-backed instance: no peer-joined for a listed peer`, async () => {
    for (let r = 0; r < ROUNDS; r++) expectEveryoneKnowsEveryoneOnce(await concurrentRound(`same-${r}`, () => A))
  })

  it('a newcomer that offers the moment its auth reply arrives: the peer on the other instance sees peer-joined first', async () => {
    for (let r = 0; r < 20; r++) {
      const room = `eager-${r}`
      const { client: watcher } = await TestClient.join(B.ws, await B.token('watcher', room))
      const newcomer = await TestClient.open(A.ws)
      try {
        newcomer.send({ type: 'auth', data: { token: await A.token('newcomer', room) } })
        await newcomer.next('auth')
        newcomer.send({ type: 'sdp-offer', targetUserId: 'watcher', data: { type: 'offer', sdp: 'v=0' } })
        const first = await watcher.next()
        const second = await watcher.next()
        expect([first.type, second.type], `round ${r}`).toEqual(['peer-joined', 'sdp-offer'])
        expect(second.from).toBe('newcomer')
      } finally {
        watcher.ws.terminate()
        newcomer.ws.terminate()
      }
    }
  })
})
