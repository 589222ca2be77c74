/**
 * @module Issue 9 finding 1: POST /api/rooms/:roomId/join must cost O(1) on Redis whatever the number of rooms, be
 * rate-limited per client address and per token, and check the token before it reads a body (finding 4).
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import type { Backend } from '../../src/storage/types.js'
import { redisClient, redisServerAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const json = { 'content-type': 'application/json' }
const joinCheck = (server: TestServer, roomId: string, token: string | null, userId = 'alice') =>
  server.api(`/api/rooms/${roomId}/join`, {
    method: 'POST',
    headers: { ...json, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ user_id: userId }),
  })

/** Sends headers announcing a body, and only part of it; resolves with the first response bytes (or rejects after `ms`). */
function partialBody(port: number, headers: string[], ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no response within ${ms} ms while the body was incomplete`))
    }, ms)
    socket.setEncoding('utf8')
    socket.once('data', (chunk: string) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(chunk)
    })
    socket.once('error', () => undefined)
    const head = ['POST /api/rooms/r1/join HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 1000', ...headers]
    socket.write(`${head.join('\r\n')}\r\n\r\n{"user_id":`)
  })
}

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')

describe.skipIf(!available)('the pre-join check on Redis with many rooms', () => {
  let redis: RedisServer
  let server: TestServer
  let seeder: Backend
  const ROOMS = 300

  beforeAll(async () => {
    redis = await startRedisServer()
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'jc', JOIN_RATE_LIMIT: '1000', PEER_LEASE_TTL: '600000', CLEANUP_INTERVAL: '600000' }
    server = await startTestServer(env)
    seeder = await createRedisBackend({ url: redis.url, prefix: 'jc', instanceId: 'seeder', logger: silentLogger, auditCapacity: 100, leaseTtlMs: 600_000 })
    const now = Date.now()
    await Promise.all(
      Array.from({ length: ROOMS }, (_, i) => {
        const peer = { roomId: `seed-${i}`, userId: 'u', userName: 'u', connectionId: `c${i}`, instanceId: 'seeder', joinedAt: now, leaseUntil: now + 600_000 }
        return seeder.rooms.join({ peer, maxPeers: 16, maxRooms: 100_000, now })
      }),
    )
  }, 60_000)
  afterAll(async () => {
    await seeder?.close()
    await server?.close()
    await redis?.stop()
  })

  async function commandsDuring(action: () => Promise<unknown>): Promise<number> {
    const admin = redisClient(redis.url)
    const total = async () => [...String(await admin.info('commandstats')).matchAll(/cmdstat_(?!info)[^:]+:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
    try {
      const before = await total()
      await action()
      return (await total()) - before - 1
    } finally {
      admin.disconnect()
    }
  }

  it(`answers a check for a new room with a handful of Redis commands, not one per room (${ROOMS} rooms)`, async () => {
    const token = await server.token('alice', 'brand-new-room')
    let answer: Awaited<ReturnType<typeof joinCheck>> | undefined
    const commands = await commandsDuring(async () => void (answer = await joinCheck(server, 'brand-new-room', token)))
    expect(answer).toMatchObject({ status: 200, body: { canJoin: true, exists: false } })
    expect(commands).toBeLessThan(12)
  })

  it('counts rooms and peers for /api/stats the same way', async () => {
    let stats: Awaited<ReturnType<TestServer['api']>> | undefined
    const commands = await commandsDuring(async () => void (stats = await server.api('/api/stats')))
    expect(stats?.body.server).toMatchObject({ activeRooms: ROOMS, totalPeers: ROOMS })
    expect(commands).toBeLessThan(12)
  })
})

describe('rate limits and the order of checks', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ JOIN_RATE_LIMIT: '5' })
  })
  afterAll(() => server.close())

  it('checks the token before reading the body: a missing or bad token is refused while the body is still arriving', async () => {
    expect(await partialBody(server.port, [])).toMatch(/^HTTP\/1\.1 401/)
    expect(await partialBody(server.port, ['Authorization: Bearer not.a.token'])).toMatch(/^HTTP\/1\.1 401/)
  })

  it('limits checks per token: the 11th with one token in a minute gets 429, another token still passes', async () => {
    const local = await startTestServer({ JOIN_RATE_LIMIT: '1000' })
    try {
      const token = await local.token('alice', 'r1')
      const statuses: number[] = []
      for (let i = 0; i < 11; i++) statuses.push((await joinCheck(local, 'r1', token)).status)
      expect(statuses).toEqual([...Array(10).fill(200), 429])
      expect((await joinCheck(local, 'r1', await local.token('alice', 'r1'))).status).toBe(200)
    } finally {
      await local.close()
    }
  })

  it('limits checks per client address (JOIN_RATE_LIMIT=5), tokens or not, with Retry-After; no room is ever created', async () => {
    await server.close()
    server = await startTestServer({ JOIN_RATE_LIMIT: '5' })
    const token = await server.token('bob', 'r2')
    const answers = []
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${server.http}/api/rooms/random-${i}/join`, { method: 'POST', headers: json, body: '{}' })
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() })
    }
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect(answers[5]?.body).toEqual({ code: 'rate_limited', error: expect.any(String) })
    expect(Number(answers[5]?.retryAfter)).toBeGreaterThan(0)
    expect((await joinCheck(server, 'r2', token, 'bob')).status).toBe(429)
    expect((await server.api('/api/stats')).body.server).toMatchObject({ activeRooms: 0, totalPeers: 0 })
  })
})
