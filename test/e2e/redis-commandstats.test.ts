/**
 * @module Measures what each client action costs Redis (INFO commandstats deltas on a private redis-server): the
 * figures docs/scaling.md quotes. Prints a table; asserts the budgets the capacity model relies on.
 * Run alone: npx vitest run test/e2e/redis-commandstats.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import type { PeerRecord } from '../../src/storage/types.js'
import { redisClient, redisServerAvailable, startInstance, startRedisServer, type Instance, type RedisServer } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'
import { TestClient } from '../helpers/ws-client.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')

type Stats = Map<string, { calls: number; usec: number }>

describe.skipIf(!available)('Redis commands per action', () => {
  let redis: RedisServer
  let admin: ReturnType<typeof redisClient>
  let A: Instance
  let B: Instance
  const rows: string[] = []

  async function stats(): Promise<Stats> {
    const out: Stats = new Map()
    for (const m of String(await admin.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
      if (m[1] !== 'info') out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) })
    }
    return out
  }

  /** Runs `action`, waits until Redis is quiet (two equal snapshots), and records the command deltas per `per` actions. */
  async function measure(label: string, action: () => Promise<void>, per = 1) {
    const before = await stats()
    await action()
    let last = await stats()
    for (;;) {
      await new Promise((r) => setTimeout(r, 150))
      const now = await stats()
      if (JSON.stringify([...now]) === JSON.stringify([...last])) break
      last = now
    }
    const sent: Record<string, number> = {}
    let all = 0
    let usec = 0
    for (const [cmd, s] of last) {
      const calls = s.calls - (before.get(cmd)?.calls ?? 0)
      const name = cmd === 'eval' || cmd === 'evalsha' ? 'script' : cmd
      if (calls > 0 && SENT.has(name)) sent[name] = (sent[name] ?? 0) + calls / per
      all += calls / per
      usec += s.usec - (before.get(cmd)?.usec ?? 0)
    }
    const list = Object.entries(sent).map(([c, n]) => `${c} ${Math.round(n * 100) / 100}`)
    rows.push(`| ${label} | ${list.join(', ') || 'none'} | ${Math.round(all * 100) / 100} | ${Math.round(usec / per)} |`)
    return sent
  }

  beforeAll(async () => {
    redis = await startRedisServer()
    admin = redisClient(redis.url)
    // Long lease and cleanup intervals keep background renewals and sweeps out of the measured windows.
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'cs', PEER_LEASE_TTL: '600000', CLEANUP_INTERVAL: '600000' }
    ;[A, B] = await Promise.all([startInstance(env), startInstance(env)])
  })
  afterAll(async () => {
    const header = '| action | commands sent by the server (per action) | commands executed incl. inside scripts | Redis CPU µs |'
    console.log([header, '|---|---|---|---|', ...rows].join('\n'))
    await Promise.all([A?.stop(), B?.stop()])
    admin?.disconnect()
    await redis?.stop()
  })

  it('join, relay, heartbeat and leave through two server processes', async () => {
    let token = ''
    const mint = async () => void (token = await A.token('alice', 'room'))
    expect(await measure('mint a token (shared rate limit)', mint)).toEqual({ script: 1 })
    let alice!: TestClient
    await measure('join: first peer, new room', async () => void (alice = (await TestClient.join(A.ws, token)).client))
    const tokens = { bob: await B.token('bob', 'room'), carol: await A.token('carol', 'room') }
    let bob!: TestClient
    await measure('join: existing room, peers on another instance', async () => {
      bob = (await TestClient.join(B.ws, tokens.bob)).client
      await alice.next('peer-joined')
    })
    let carol!: TestClient
    await measure('join: existing room, same instance as a peer', async () => {
      carol = (await TestClient.join(A.ws, tokens.carol)).client
      await bob.next('peer-joined')
    })
    const n = 50
    const relay = (from: TestClient, to: TestClient, target: string) => async () => {
      for (let i = 0; i < n; i++) from.send({ type: 'ice-candidate', targetUserId: target, data: { candidate: `c${i}` } })
      for (let i = 0; i < n; i++) await to.next('ice-candidate')
    }
    // The first relay in a room may record room activity (one script per room per 30 s), nothing else.
    const local = await measure('relay to a peer on the same instance', relay(alice, carol, 'carol'), n)
    expect(local.spublish).toBeUndefined()
    expect(local.script ?? 0).toBeLessThanOrEqual(1 / n)
    // One relay alone is one SPUBLISH; frames that arrive together for one instance share one (the bus batches them).
    const single = await measure('one relay to a peer on another instance', async () => {
      alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'alone' } })
      await bob.next('ice-candidate')
    })
    expect(single.spublish).toBe(1)
    const burst = await measure(`relay burst to a peer on another instance (${n} frames back to back)`, relay(alice, bob, 'bob'), n)
    expect(burst.spublish).toBeGreaterThan(0)
    expect(burst.spublish).toBeLessThan(1)
    await measure('broadcast (no target) to a room on two instances', async () => {
      for (let i = 0; i < n; i++) alice.send({ type: 'ice', data: { candidate: `b${i}` } })
      for (let i = 0; i < n; i++) await bob.next('ice')
    }, n)
    await measure('heartbeat frame', async () => {
      for (let i = 0; i < n; i++) alice.send({ type: 'heartbeat' })
      for (let i = 0; i < n; i++) await alice.next('heartbeat')
    }, n)
    await measure('leave (peers on both instances)', async () => {
      carol.send({ type: 'leave-room' })
      await bob.next('peer-left')
    })
    for (const c of [alice, bob, carol]) c.ws.terminate()
  })

  it('lease renewal and sweep, per room, through the adapter', async () => {
    const backend = await createRedisBackend({ url: redis.url, prefix: 'cs2', instanceId: 'i', logger: silentLogger, auditCapacity: 10, leaseTtlMs: 30_000 })
    const now = Date.now()
    const peer = (room: number, user: number): PeerRecord => {
      const ids = { roomId: `r${room}`, userId: `u${user}`, userName: 'u', connectionId: `c${room}-${user}`, instanceId: 'i' }
      return { ...ids, joinedAt: now, leaseUntil: now + 30_000 }
    }
    for (let r = 0; r < 20; r++) for (let u = 0; u < 5; u++) await backend.rooms.join({ peer: peer(r, u), maxPeers: 16, maxRooms: 1000, now })
    const renew = () => backend.rooms.renewLeases('i', now + 60_000)
    expect(await measure('lease renewal, 20 rooms x 5 peers (per room)', renew, 20)).toEqual({ script: 1 })
    const sweep = async () => void (await backend.rooms.sweep({ now, inactivityMs: 1e9, emptyGraceMs: 1e9 }))
    await measure('sweep, 20 rooms, nothing due (per room)', sweep, 20)
    await backend.close()
  })
})

/** Commands the server sends itself in these windows (EVAL and EVALSHA count as `script`); the rest run inside scripts. */
const SENT = new Set(['script', 'spublish', 'publish', 'ssubscribe', 'sunsubscribe', 'subscribe', 'unsubscribe', 'xadd', 'zrange', 'zscan', 'ping'])
