/**
 * @module The Redis adapter when Redis goes away, on a private redis-server child (stopped and restarted here):
 * fail fast, bounded health, resubscription, and held peers restored after a restart that lost the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import { channels, StoreError, type Backend, type BusEnvelope, type PeerRecord } from '../../src/storage/types.js'
import { eventually, redisClient, redisServerAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')

describe.skipIf(!available)('redis adapter faults (private redis-server)', () => {
  let redis: RedisServer
  let a: Backend
  let b: Backend
  const peer = (userId: string): PeerRecord => {
    const now = Date.now()
    return { roomId: 'room', userId, userName: userId, connectionId: `${userId}-c`, instanceId: 'a', joinedAt: now, leaseUntil: now + 30_000 }
  }
  const relay = (frame: string): BusEnvelope => ({ kind: 'relay', origin: 'a', roomId: 'room', target: 'bob', sender: 'alice', frame })
  const received: string[] = []

  beforeAll(async () => {
    redis = await startRedisServer()
    const open = (instanceId: string) =>
      createRedisBackend({ url: redis.url, prefix: 'faults', instanceId, logger: silentLogger, auditCapacity: 100, leaseTtlMs: 30_000, commandTimeoutMs: 500 })
    ;[a, b] = await Promise.all([open('a'), open('b')])
    await b.bus.subscribe(channels.room('room'), () => undefined)
    await b.bus.subscribe(channels.instance('b'), (e) => {
      if (e.kind === 'relay') received.push(e.frame)
    })
    await a.rooms.join({ peer: peer('alice'), maxPeers: 16, maxRooms: 100, now: Date.now() })
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await redis?.stop()
  })

  /** Publishes probes until one is delivered; every probe is either delivered or refused, never silently lost. */
  async function relayResumes(tag: string) {
    let refused = 0
    for (let i = 0; ; i++) {
      const frame = `${tag}-${i}`
      const ok = await a.bus.publish(channels.instance('b'), relay(frame)).then(() => true, () => false)
      if (!ok) refused++
      if (ok) return eventually(async () => received.includes(frame), 2000, `probe ${frame}`).then(() => refused)
      if (i > 200) throw new Error('relay did not resume')
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  it('relays again after Redis kills the subscriber connection (CLIENT KILL TYPE pubsub)', async () => {
    await relayResumes('before')
    const admin = redisClient(redis.url)
    expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThan(0)
    admin.disconnect()
    await relayResumes('after-kill')
  })

  it('while Redis is down: commands fail fast, health says so within its bound, relays are refused', async () => {
    await redis.stop()
    await eventually(async () => !(await a.health()).ok, 3000, 'health to turn not ok')
    const t = Date.now()
    await expect(a.rooms.join({ peer: peer('carol'), maxPeers: 16, maxRooms: 100, now: Date.now() })).rejects.toBeInstanceOf(StoreError)
    await expect(a.bus.publish(channels.instance('b'), relay('during'))).rejects.toBeInstanceOf(StoreError)
    await expect(a.audit.list(10)).rejects.toBeInstanceOf(StoreError)
    const health = await a.health()
    expect(health.ok).toBe(false)
    expect(Date.now() - t).toBeLessThan(1500)
  })

  it('after a restart that lost every key: health recovers, relay resumes, held peers and their room are back', async () => {
    await redis.start()
    await eventually(async () => (await a.health()).ok && (await b.health()).ok, 5000, 'health to recover')
    await relayResumes('after-restart')
    const peers = await eventually(async () => {
      const list = await a.rooms.listPeers('room', Date.now())
      return list.length > 0 ? list : undefined
    }, 5000, 'restored peers')
    expect(peers.map((p) => p.userId)).toEqual(['alice'])
    expect((await b.rooms.listRooms(Date.now())).map((r) => r.roomId)).toEqual(['room'])
  })
})
