/**
 * @module Two server processes on a private Redis Cluster (three masters with a replica each) that this file breaks
 * while rooms are live: a master killed and its replica promoted, the room's slot moved to another master with
 * `redis-cli --cluster reshard` while relays flow, and a whole shard (master and replica) unreachable. After each, the
 * room lists the same peers on both instances, nobody heard a peer leave, every relay meanwhile arrived or got
 * `relay_failed` (none vanished), and relays resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, redisServerAvailable, startInstance, type Instance } from '../helpers/redis.js'
import { ownerOf, startPrivateCluster, type PrivateCluster } from '../helpers/redis-cluster.js'
import { joiner, relayResumes } from '../helpers/relay-probe.js'
import { need } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server 7 (apt-get install redis-server)')
/** Long enough that a failover or a short outage ends before any lease does. */
const LEASE_MS = 8000
/** A relay to a failed master fails after the command timeout (2 s) and its retries. */
const OUTCOME_MS = 8000

describe.skipIf(!available)('Redis Cluster faults under two running instances', () => {
  const clients: TestClient[] = []
  let cluster: PrivateCluster
  let A: Instance
  let B: Instance

  beforeAll(async () => {
    cluster = await startPrivateCluster(3, 1)
    const env = { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: 'cf', PEER_LEASE_TTL: String(LEASE_MS) }
    ;[A, B] = await Promise.all([startInstance(env, { bundled: true }), startInstance(env, { bundled: true })])
  }, 60_000)
  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await Promise.all([A?.stop(), B?.stop()])
    await cluster?.stop()
  })

  const join = joiner(clients)

  /** alice on A, bob on B, each knowing the other. */
  async function liveRoom(roomId: string) {
    const alice = await join(A, 'alice', roomId)
    const bob = await join(B, 'bob', roomId)
    await alice.next('peer-joined')
    return { alice, bob }
  }

  /** A room id whose slot is among the first `within` slots of its master's range (a reshard of few slots moves it). */
  async function roomNearRangeStart(tag: string, within: number, avoid?: string) {
    const nodes = await cluster.topology()
    const ids = Array.from({ length: 1000 }, (_, i) => `${tag}${i}`)
    const slots = await cluster.keyslots(ids.map((id) => `cf:{${id}}:meta`))
    for (const [i, slot] of slots.entries()) {
      const owner = ownerOf(nodes, slot)
      const start = owner?.slots.find(([a, b]) => slot >= a && slot <= b)?.[0]
      if (owner && start !== undefined && slot - start < within && owner.id !== avoid) return { roomId: ids[i] ?? '', slot, owner, count: slot - start + 1 }
    }
    throw new Error(`no room id near the start of a master's slot range`)
  }

  const listed = async (on: Instance, roomId: string) => {
    const peers = (await on.json(`/api/rooms/${roomId}`)).body.peers as Frame[] | undefined
    return peers?.map((p) => String(p.userId)).sort() ?? []
  }

  /**
   * Both instances list exactly `users` in the room (within a lease: writes a failed master had not yet replicated are
   * put back by the instances holding those peers), and none of `clients` heard a peer leave.
   */
  async function intact(roomId: string, users: string[], heard: TestClient[]) {
    const want = [...users].sort().join()
    for (const on of [A, B]) await eventually(async () => (await listed(on, roomId)).join() === want, LEASE_MS, `${roomId} listing ${want}`)
    for (const c of heard) expect(c.all('peer-left')).toEqual([])
  }

  it('a master killed: its replica takes over, the room keeps its peers, relays resume and joins work', async () => {
    const { alice, bob } = await liveRoom('failover')
    const [slot = 0] = await cluster.keyslots(['cf:{failover}:meta'])
    const before = ownerOf(await cluster.topology(), slot)
    expect(before).toBeDefined()
    cluster.kill(before?.port ?? 0)
    await eventually(async () => {
      const now = ownerOf(await cluster.topology(), slot)
      return now !== undefined && now.port !== before?.port
    }, 20_000, 'a replica promoted')
    await relayResumes(alice, bob, 'bob', 'failover', OUTCOME_MS)
    await relayResumes(bob, alice, 'alice', 'failover-back', OUTCOME_MS)
    await intact('failover', ['alice', 'bob'], [alice, bob])
    await join(A, 'carol', 'failover')
    await Promise.all([alice.next('peer-joined'), bob.next('peer-joined')])
  }, 60_000)

  it('the room`s slot resharded to another master while relays flow: none vanishes, the room keeps its peers', async () => {
    const { roomId, slot, owner, count } = await roomNearRangeStart('reshard', 100)
    const target = (await cluster.topology()).find((n) => n.master && !n.failed && n.id !== owner.id && n.slots.length > 0)
    expect(target).toBeDefined()
    const { alice, bob } = await liveRoom(roomId)
    let moving = true
    let sent = 0
    const flow = (async () => {
      // Paced by round trips to alice's server, not by sleeps.
      while (moving) {
        alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: `flow:${sent++}` } })
        await alice.sync()
      }
    })()
    await cluster.reshard(owner.id, target?.id ?? '', count)
    moving = false
    await flow
    expect(ownerOf(await cluster.topology(), slot)?.id).toBe(target?.id)
    // Every relay of the flow arrived once, in order, or was refused with relay_failed.
    const refusedAtEnd = () => alice.all('error').filter((f) => f.data?.code === 'relay_failed').length
    const delivered = () => bob.all('ice-candidate').map((f) => String(f.data?.candidate)).filter((c) => c.startsWith('flow:'))
    await eventually(async () => delivered().length + refusedAtEnd() === sent, OUTCOME_MS, 'an outcome for every relay of the flow')
    const numbers = delivered().map((c) => Number(c.slice(5)))
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y))
    expect(new Set(numbers).size).toBe(numbers.length)
    expect(sent).toBeGreaterThan(0)
    await relayResumes(alice, bob, 'bob', 'resharded', OUTCOME_MS)
    await relayResumes(bob, alice, 'alice', 'resharded-back', OUTCOME_MS)
    await intact(roomId, ['alice', 'bob'], [alice, bob])
    await join(B, 'carol', roomId)
    await Promise.all([alice.next('peer-joined'), bob.next('peer-joined')])
  }, 90_000)

  it('a shard unreachable: other shards` rooms carry on, its room gets errors rather than silence, then all resume', async () => {
    const dark = await roomNearRangeStart('dark', 16_384)
    const lit = await roomNearRangeStart('lit', 16_384, dark.owner.id)
    const d = await liveRoom(dark.roomId)
    const l = await liveRoom(lit.roomId)
    const shard = (await cluster.topology()).filter((n) => !n.failed && (n.id === dark.owner.id || n.masterId === dark.owner.id))
    for (const n of shard) cluster.pause(n.port)
    try {
      expect(await relayResumes(l.alice, l.bob, 'bob', 'lit', OUTCOME_MS)).toBe(0)
      d.alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'dark:0' } })
      const error = await d.alice.next('error', OUTCOME_MS)
      expect(error.data?.code).toBe('relay_failed')
    } finally {
      for (const n of shard) cluster.resume(n.port)
    }
    await relayResumes(d.alice, d.bob, 'bob', 'dark-after', OUTCOME_MS)
    await relayResumes(d.bob, d.alice, 'alice', 'dark-back', OUTCOME_MS)
    await intact(dark.roomId, ['alice', 'bob'], [d.alice, d.bob])
    await intact(lit.roomId, ['alice', 'bob'], [l.alice, l.bob])
  }, 60_000)
})
