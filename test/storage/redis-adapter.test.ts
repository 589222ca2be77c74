/**
 * @module Redis-only behaviour on the shared Redis: key layout, sharded channels, no silent relay drop, validation,
 * shared rate limits, restore after data loss, sweep spacing, startup refusal.
 */
import { Hono } from 'hono'
import { rateLimiter } from 'hono-rate-limiter'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import { channels, StoreError, type Backend, type BusEnvelope, type PeerRecord } from '../../src/storage/types.js'
import { deleteKeys, eventually, freePort, randomPrefix, redisClient, startRedisServer } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

describe.skipIf(!available)('redis adapter specifics', () => {
  const prefix = randomPrefix('adapter')
  const admin = redisClient(REDIS_URL)
  const backends: Backend[] = []
  const options = { url: REDIS_URL, prefix, logger: silentLogger, auditCapacity: 100, leaseTtlMs: 30_000 }
  const open = async (instanceId: string, more: { prefix?: string; sweepSpacingMs?: number } = {}) => {
    const b = await createRedisBackend({ ...options, instanceId, ...more })
    backends.push(b)
    return b
  }
  const peer = (roomId: string, userId: string, instanceId = 'a'): PeerRecord => {
    const now = Date.now()
    return { roomId, userId, userName: userId, connectionId: `${userId}-${now}`, instanceId, joinedAt: now, leaseUntil: now + 30_000 }
  }
  const join = (b: Backend, p: PeerRecord) => b.rooms.join({ peer: p, maxPeers: 16, maxRooms: 100, now: Date.now() })

  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()))
    await deleteKeys(REDIS_URL, prefix)
    admin.disconnect()
  })

  it('keeps every key and the channel of a room under one hash tag, on sharded pub/sub', async () => {
    const a = await open('a')
    await join(a, peer('tagged', 'alice'))
    await a.bus.subscribe(channels.room('tagged'), () => undefined)
    const roomKeys = (await admin.keys(`${prefix}:*tagged*`)).sort()
    expect(roomKeys).toEqual([`${prefix}:{tagged}:leases`, `${prefix}:{tagged}:meta`, `${prefix}:{tagged}:peers`])
    expect(await admin.call('PUBSUB', 'SHARDCHANNELS', `${prefix}:*`)).toContain(`${prefix}:{tagged}:bus`)
  })

  it('lists and sweeps a large index page by page (ZSCAN), never reading it whole, and misses no room', async () => {
    // A private server: other test runs on the shared Redis send ZRANGE and ZSCAN of their own.
    const server = await startRedisServer()
    const a = await createRedisBackend({ ...options, url: server.url, instanceId: 'a' })
    const stats = redisClient(server.url)
    const ids = Array.from({ length: 450 }, (_, i) => `page${i}`)
    for (const id of ids) await a.rooms.join({ peer: peer(id, 'alice'), maxPeers: 16, maxRooms: 1000, now: Date.now() })
    const calls = async (cmd: string) => Number(/calls=(\d+)/.exec(String(await stats.call('INFO', 'commandstats')).split('\n').find((l) => l.startsWith(`cmdstat_${cmd}:`)) ?? '')?.[1] ?? 0)
    const [zrange0, zscan0] = [await calls('zrange'), await calls('zscan')]
    expect((await a.rooms.listRooms(Date.now())).map((r) => r.roomId).sort()).toEqual([...ids].sort())
    const swept = await a.rooms.sweep({ now: Date.now() + 60_000, inactivityMs: 10_800_000, emptyGraceMs: 0 })
    expect(swept.expiredPeers).toHaveLength(450)
    expect(await calls('zrange')).toBe(zrange0)
    // Two scans of at least three pages each.
    expect(await calls('zscan')).toBeGreaterThanOrEqual(zscan0 + 6)
    stats.disconnect()
    await a.close()
    await server.stop()
  })

  it('refuses a relay that no other instance received, so the sender hears of it', async () => {
    const a = await open('a')
    const relay: BusEnvelope = { kind: 'relay', origin: 'a', roomId: 'r', target: 'bob', sender: 'alice', frame: '{}' }
    await expect(a.bus.publish(channels.instance('nobody'), relay)).rejects.toBeInstanceOf(StoreError)
    await a.bus.subscribe(channels.room('r'), () => undefined)
    await expect(a.bus.publish(channels.room('r'), relay)).rejects.toBeInstanceOf(StoreError)
    const b = await open('b')
    await b.bus.subscribe(channels.room('r'), () => undefined)
    await expect(a.bus.publish(channels.room('r'), relay)).resolves.toBeUndefined()
  })

  it('drops bus messages that are not valid envelopes and keeps delivering valid ones', async () => {
    const b = await open('b')
    const got: BusEnvelope[] = []
    await b.bus.subscribe(channels.room('v'), (e) => got.push(e))
    const ch = `${prefix}:{v}:bus`
    await admin.call('SPUBLISH', ch, 'not json')
    await admin.call('SPUBLISH', ch, JSON.stringify({ kind: 'relay', origin: 'x' }))
    await admin.call('SPUBLISH', ch, JSON.stringify({ kind: 'room-closed', origin: 'x', roomId: 'v', reason: 'ok' }))
    await eventually(async () => got.length === 1, 2000, 'the valid envelope')
    expect(got).toEqual([{ kind: 'room-closed', origin: 'x', roomId: 'v', reason: 'ok' }])
  })

  it('validates records it reads: a corrupt peer entry is a StoreError, not a bad record', async () => {
    const a = await open('a')
    await join(a, peer('corrupt', 'alice'))
    await admin.hset(`${prefix}:{corrupt}:peers`, 'alice', '1 {"userId":42}')
    await expect(a.rooms.listPeers('corrupt', Date.now())).rejects.toBeInstanceOf(StoreError)
  })

  it('shares rate-limit counters between instances', async () => {
    const limited = (b: Backend) =>
      new Hono()
        .use(rateLimiter({ windowMs: 60_000, limit: 2, keyGenerator: () => 'one-client', store: b.rateLimitStore!('test') }))
        .get('/', (c) => c.text('ok'))
    const [appA, appB] = [limited(await open('a')), limited(await open('b'))]
    const statuses = [(await appA.request('/')).status, (await appB.request('/')).status, (await appA.request('/')).status]
    expect(statuses).toEqual([200, 200, 429])
  })

  it('puts its held peers back when their keys vanish (data loss), at the next renewal', async () => {
    const a = await open('restorer')
    const p = peer('lost', 'alice', 'restorer')
    await join(a, p)
    await deleteKeys(REDIS_URL, prefix)
    expect(await a.rooms.getRoom('lost', Date.now())).toBeNull()
    await a.rooms.renewLeases('restorer', Date.now() + 30_000)
    expect((await a.rooms.listPeers('lost', Date.now())).map((x) => x.connectionId)).toEqual([p.connectionId])
    expect((await a.rooms.listRooms(Date.now())).map((r) => r.roomId)).toContain('lost')
  })

  it('puts back a held peer its room`s shard lost (a failover before replication), but not one a sweep or a deletion removed', async () => {
    const holder = await open('holder', { prefix: `${prefix}:shard` })
    const other = await open('other', { prefix: `${prefix}:shard` })
    const t = Date.now()
    const lost = peer('shard-lost', 'alice', 'holder')
    const swept = { ...peer('shard-swept', 'bob', 'holder'), leaseUntil: t + 100 }
    const deleted = peer('shard-deleted', 'carol', 'holder')
    for (const p of [lost, swept, deleted]) await join(holder, p)
    // What a promoted replica that missed the join looks like: the record is gone, the epoch marker is not.
    const [, peers, leases] = [`${prefix}:shard:{shard-lost}:meta`, `${prefix}:shard:{shard-lost}:peers`, `${prefix}:shard:{shard-lost}:leases`]
    await admin.hdel(peers, 'alice')
    await admin.zrem(leases, 'alice')
    // Another instance sweeps bob (his lease lapsed) and deletes carol's room, before the bus can tell the holder.
    expect((await other.rooms.sweep({ now: t + 1000, inactivityMs: 1e9, emptyGraceMs: 1e9 })).expiredPeers.map((p) => p.userId)).toContain('bob')
    expect((await other.rooms.deleteRoom('shard-deleted')).map((p) => p.userId)).toEqual(['carol'])
    await holder.rooms.renewLeases('holder', t + 30_000)
    expect((await holder.rooms.listPeers('shard-lost', t)).map((x) => x.connectionId)).toEqual([lost.connectionId])
    expect(await holder.rooms.listPeers('shard-swept', t + 1000)).toEqual([])
    expect(await holder.rooms.getRoom('shard-deleted', t)).toBeNull()
    // Dropped, not retried: a second renewal does not bring them back either.
    await holder.rooms.renewLeases('holder', t + 30_000)
    expect(await holder.rooms.getRoom('shard-deleted', t)).toBeNull()
  })

  it('batches to the end of the I/O phase when asked (Bun): back-to-back relays all arrive, in order', async () => {
    const more = { prefix: `${prefix}:imm`, publishBatching: 'immediate' as const }
    const a = await createRedisBackend({ ...options, ...more, instanceId: 'a' })
    const b = await createRedisBackend({ ...options, ...more, instanceId: 'b' })
    backends.push(a, b)
    const got: string[] = []
    await b.bus.subscribe(channels.room('imm'), (e) => void (e.kind === 'relay' && got.push(e.frame)))
    const frames = Array.from({ length: 20 }, (_, i) => `{"n":${i}}`)
    await Promise.all(frames.map((frame) => a.bus.publish(channels.room('imm'), { kind: 'relay', origin: 'a', roomId: 'imm', target: null, sender: 's', frame })))
    await eventually(async () => got.length === frames.length, 3000, 'every relay')
    expect(got).toEqual(frames)
  })

  it('spaces sweeps cluster-wide: a sweep soon after another instance`s does nothing, a later one sweeps', async () => {
    const gated = (id: string) => open(id, { prefix: `${prefix}:gate`, sweepSpacingMs: 1000 })
    const [a, b] = await Promise.all([gated('a'), gated('b')])
    const t = Date.now()
    const sweep = (x: Backend, now: number) => x.rooms.sweep({ now, inactivityMs: 1e9, emptyGraceMs: 1e9 })
    await a.rooms.join({ peer: { ...peer('gate', 'alice'), leaseUntil: t + 100 }, maxPeers: 4, maxRooms: 10, now: t })
    expect((await sweep(a, t)).expiredPeers).toEqual([])
    expect((await sweep(b, t + 500)).expiredPeers).toEqual([])
    expect((await sweep(b, t + 1000)).expiredPeers.map((p) => p.userId)).toEqual(['alice'])
  })

  it('keeps renewing restored peers when renewals race the restore', async () => {
    const a = await open('racer', { prefix: `${prefix}:race` })
    const p = peer('race', 'alice', 'racer')
    await join(a, p)
    await deleteKeys(REDIS_URL, `${prefix}:race`)
    const t = Date.now()
    await Promise.all([a.rooms.renewLeases('racer', t + 30_000), a.rooms.renewLeases('racer', t + 30_000)])
    await a.rooms.renewLeases('racer', t + 90_000)
    expect((await a.rooms.listPeers('race', t)).map((x) => x.leaseUntil)).toEqual([t + 90_000])
  })

  it('refuses to start when Redis is unreachable, at once, with the URL redacted', async () => {
    const url = `redis://user:hunter2@127.0.0.1:${await freePort()}`
    const started = Date.now()
    const err: unknown = await createRedisBackend({ ...options, url, instanceId: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreError)
    expect(String(err)).toMatch(/Cannot connect to Redis at redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/? \(connect ECONNREFUSED/)
    expect(String(err)).not.toContain('hunter2')
    expect(Date.now() - started).toBeLessThan(3000)
  })
})
