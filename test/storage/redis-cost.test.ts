/**
 * @module Redis CPU per storage operation, network I/O included (INFO cpu deltas of a private redis-server driven
 * through the adapter): the per-operation costs docs/scaling.md builds its capacity model on. Prints a table.
 * Run alone: npx vitest run test/storage/redis-cost.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/lib/logger.js'
import { createRedisBackend } from '../../src/storage/redis.js'
import { channels, type Backend, type PeerRecord } from '../../src/storage/types.js'
import { eventually, redisClient, redisServerAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')
const ROOMS = 1000
/** A typical relayed ICE frame is 200-300 bytes. */
const CANDIDATE = 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0 ufrag abcd'
const FRAME = JSON.stringify({
  type: 'ice-candidate',
  roomId: 'r',
  userId: 'alice',
  from: 'alice',
  targetUserId: 'bob',
  data: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 },
  timestamp: 1,
})

describe.skipIf(!available)('Redis CPU per operation', () => {
  let redis: RedisServer
  let admin: ReturnType<typeof redisClient>
  let a: Backend
  let b: Backend
  const rows: string[] = []
  const now = Date.now()

  const cpu = async () => {
    const info = String(await admin.info('cpu'))
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN)
    return field('used_cpu_user') + field('used_cpu_sys')
  }
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(String(await admin.info('memory')))?.[1] ?? NaN)
  /** Runs `n` operations `batch` at a time and records Redis CPU µs and the wall rate per operation. */
  async function measure(label: string, n: number, op: (i: number) => Promise<unknown>, batch = 100) {
    const before = await cpu()
    const started = performance.now()
    for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => op(i + j)))
    const wallMs = performance.now() - started
    const usec = ((await cpu()) - before) * 1e6
    rows.push(`| ${label} | ${n} | ${(usec / n).toFixed(1)} | ${Math.round(n / (wallMs / 1000))} |`)
    return usec / n
  }
  const peer = (room: number, user: string): PeerRecord => {
    const instanceId = user === 'alice' ? 'a' : 'b'
    return { roomId: `room-${room}`, userId: user, userName: user, connectionId: `${user}-${room}`, instanceId, joinedAt: now, leaseUntil: now + 60_000 }
  }
  const join = (x: Backend, p: PeerRecord) => x.rooms.join({ peer: p, maxPeers: 16, maxRooms: 100_000, now })

  beforeAll(async () => {
    redis = await startRedisServer()
    admin = redisClient(redis.url)
    const open = (id: string) =>
      createRedisBackend({ url: redis.url, prefix: 'cost', instanceId: id, logger: silentLogger, auditCapacity: 1000, leaseTtlMs: 60_000 })
    ;[a, b] = await Promise.all([open('a'), open('b')])
  })
  afterAll(async () => {
    const header = '| operation | count | Redis CPU µs per op (incl. I/O) | ops/s from one client process |'
    console.log([header, '|---|---|---|---|', ...rows].join('\n'))
    await Promise.all([a?.close(), b?.close()])
    admin?.disconnect()
    await redis?.stop()
  })

  it('measures relays, joins, token uses, audit appends, renewals and sweeps', async () => {
    let delivered = 0
    await b.bus.subscribe(channels.room('r'), () => undefined)
    await b.bus.subscribe(channels.instance('b'), () => void delivered++)
    const relays = 20_000
    const relayCost = await measure('relay (SPUBLISH to one subscriber)', relays, () =>
      a.bus.publish(channels.instance('b'), { kind: 'relay', origin: 'a', roomId: 'r', target: 'bob', sender: 'alice', frame: FRAME }),
    )
    await measure('relay, one at a time (no pipelining)', 5000, () =>
      a.bus.publish(channels.instance('b'), { kind: 'relay', origin: 'a', roomId: 'r', target: 'bob', sender: 'alice', frame: FRAME }), 1)
    await eventually(async () => delivered === relays + 5000, 5000, 'every relay delivered')
    const memoryBefore = await usedMemory()
    await measure('join, new room (3 scripts)', ROOMS, (i) => join(a, peer(i, 'alice')))
    await measure('join, existing room (1 script)', ROOMS, (i) => join(b, peer(i, 'bob')))
    rows.push(`| memory per room of 2 peers (bytes) | ${ROOMS} | ${Math.round(((await usedMemory()) - memoryBefore) / ROOMS)} | |`)
    await measure('token use', ROOMS, (i) => a.tokens.recordUse(`jti-${i}`, now + 60_000))
    const event = { time: now, event: 'join', roomId: 'r', reason: null, remoteAddress: '203.0.113.7', instanceId: 'a' } as const
    await measure('audit append (XADD MAXLEN ~)', ROOMS, (i) => a.audit.append({ ...event, userId: `u${i}` }))
    // One call renews (or sweeps) every room: counted as ROOMS operations.
    const everyRoom = (fn: (i: number) => Promise<unknown>) => async (i: number) => (i % ROOMS === 0 ? fn(i) : undefined)
    await measure('lease renewal, per room (1 held peer)', 5 * ROOMS, everyRoom((i) => a.rooms.renewLeases('a', now + 60_000 + i)), 1)
    await measure('sweep, per room (nothing due)', 5 * ROOMS, everyRoom(() => a.rooms.sweep({ now, inactivityMs: 1e9, emptyGraceMs: 1e9 })), 1)
    expect(relayCost).toBeLessThan(500)
  })
})
