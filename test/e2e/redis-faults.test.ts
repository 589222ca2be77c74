/**
 * @module Two server processes on a private redis-server that this file breaks: the pub/sub connection killed, Redis
 * restarted (losing every key), and a server started against an unreachable Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventually,
  freePort,
  redisClient,
  redisServerAvailable,
  startInstance,
  startRedisServer,
  type Instance,
  type RedisServer,
} from '../helpers/redis.js'
import { joiner, relayResumes } from '../helpers/relay-probe.js'
import { need } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')
const LEASE_MS = 2000

describe.skipIf(!available)('Redis faults under two running instances', () => {
  let redis: RedisServer
  let A: Instance
  let B: Instance
  const clients: TestClient[] = []

  beforeAll(async () => {
    redis = await startRedisServer()
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'faults', PEER_LEASE_TTL: String(LEASE_MS) }
    ;[A, B] = await Promise.all([startInstance(env), startInstance(env)])
  })
  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await Promise.all([A?.stop(), B?.stop()])
    await redis?.stop()
  })

  const join = joiner(clients)
  const health = async (on: Instance) => (await on.json('/api/health')).body.status

  it('relay resumes after Redis kills the pub/sub connections (CLIENT KILL TYPE pubsub)', async () => {
    const alice = await join(A, 'alice', 'kill')
    const bob = await join(B, 'bob', 'kill')
    await alice.next('peer-joined')
    expect(await relayResumes(alice, bob, 'bob', 'before')).toBe(0)
    const admin = redisClient(redis.url)
    expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(2)
    admin.disconnect()
    await relayResumes(alice, bob, 'bob', 'after')
    await relayResumes(bob, alice, 'alice', 'back')
  })

  it('survives a Redis restart: degraded while down, errors not silence, local relay kept, then no ghost and none lost', async () => {
    const alice = await join(A, 'alice', 'restart')
    const carol = await join(A, 'carol', 'restart')
    const bob = await join(B, 'bob', 'restart')
    await alice.next('peer-joined')
    await alice.next('peer-joined')

    await redis.stop()
    await eventually(async () => (await health(A)) === 'degraded' && (await health(B)) === 'degraded', 5000, 'health degraded')
    alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'during outage' } })
    expect((await alice.next('error')).data?.code).toBe('relay_failed')
    alice.send({ type: 'ice-candidate', targetUserId: 'carol', data: { candidate: 'same instance' } })
    expect((await carol.next('ice-candidate')).data?.candidate).toBe('same instance')

    await redis.start()
    await eventually(async () => (await health(A)) === 'ok' && (await health(B)) === 'ok', 5000, 'health ok again')
    await relayResumes(alice, bob, 'bob', 'restarted')
    const members = async (on: Instance) => {
      const peers = (await on.json('/api/rooms/restart')).body.peers as Frame[] | undefined
      return peers?.map((p) => p.userId).sort()
    }
    await eventually(async () => JSON.stringify(await members(A)) === '["alice","bob","carol"]', 5000, 'peers restored')
    // Watch for longer than a lease (plus sweeps): restored peers are renewed, nobody expires, nobody is duplicated.
    const until = Date.now() + LEASE_MS + 1000
    while (Date.now() < until) {
      for (const on of [A, B]) expect(await members(on)).toEqual(['alice', 'bob', 'carol'])
      await new Promise((r) => setTimeout(r, 200))
    }
    for (const c of [alice, bob, carol]) expect(c.all('peer-left')).toEqual([])
  })

  it('refuses to start against an unreachable Redis: exit code 1 and a message naming it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const err = await startInstance({ REDIS_URL: url }).then(
      () => null,
      (e: unknown) => String(e),
    )
    expect(err).toMatch(/exited with 1/)
    expect(err).toContain(`Cannot connect to Redis at ${url}`)
    expect(err).toMatch(/ECONNREFUSED/)
  })
})
