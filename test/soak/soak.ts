/**
 * @module The soak: two instances on Redis under churn with abrupt closes, invalid-frame floods and half-open
 * upgrades; Redis is restarted (losing its data) and one instance is SIGKILLed along the way. At the end the surviving
 * instance must be back where it started: no rooms, peers or ghosts, heap after GC within 5%, the same file
 * descriptors and live timers. Returns one summary line and the failures.
 */
import { TestClient } from '../helpers/ws-client.js'
import { startCluster, type Instance, type Probe } from './cluster.js'
import { churnCycle, cut, floodCycle, halfOpenCycle, loop, newCounters, type Counters } from './load.js'


export interface SoakResult {
  ok: boolean
  summary: string
  failures: string[]
}

const RESIDENTS = 6
const HEAP_TOLERANCE = 0.05

/** Polls `check` (an HTTP view of state: no event tells when a sweep is done) until true or `ms` passed. */
async function until(what: string, ms: number, check: () => Promise<boolean>, failures: string[]) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  failures.push(`timed out after ${ms} ms waiting for ${what}`)
  return false
}

/** Runs the three kinds of load against `on` until stopped. */
function load(on: () => Instance[], c: Counters, tag: string) {
  const pick = (n: number) => on()[n % on().length]!
  const churn = loop(4, c, (w, n) => churnCycle(pick(n), pick(n + 1), `${tag}-churn-${w}-${n}`, n % 2 === 1, c))
  const floods = loop(1, c, (w, n) => floodCycle(pick(n), `${tag}-flood-${n}`, c))
  const halfOpen = loop(1, c, (w, n) => halfOpenCycle(pick(n), 20, c))
  return { stop: () => Promise.all([churn.stop(), floods.stop(), halfOpen.stop()]) }
}

/**
 * The same load for a while before the baseline: V8 compiles and optimizes the hot paths on the heap (about a MB), and
 * that must not be mistaken for a leak.
 */
async function warmUp(a: Instance, b: Instance, c: Counters, ms: number) {
  const running = load(() => [a, b], c, 'warm')
  await new Promise((r) => setTimeout(r, ms))
  await running.stop()
}

/** Rooms of two: x on A, y on B, for the whole soak. */
async function residents(a: Instance, b: Instance) {
  const pairs: { x: TestClient; y: TestClient; room: string }[] = []
  for (let i = 0; i < RESIDENTS; i++) {
    const room = `resident-${i}`
    const x = (await TestClient.join(a.ws, await a.token('x', room))).client
    const y = (await TestClient.join(b.ws, await b.token('y', room))).client
    await x.next('peer-joined')
    pairs.push({ x, y, room })
  }
  return pairs
}

/** What an instance holds: its sockets, away peers and local rooms, and the shared rooms and peers in Redis. */
async function state(on: Instance) {
  const s = (await on.api('/api/stats')).body.server
  const listed = (await on.api('/api/rooms')).body.count as number
  return { connections: s.connections, away: s.awayPeers, localRooms: s.localRooms, rooms: s.activeRooms, peers: s.totalPeers, listed } as Record<string, number>
}
const zero = async (on: Instance) => Object.values(await state(on)).every((n) => n === 0)

export async function runSoak(seconds: number): Promise<SoakResult> {
  const failures: string[] = []
  const c = newCounters()
  const started = Date.now()
  const cluster = await startCluster()
  const { a, b, redis } = cluster
  let base: Probe | null = null
  let end: Probe | null = null
  let finalState: Record<string, number> = {}
  try {
    await warmUp(a, b, c, Math.max(3000, seconds * 150))
    await until('A and B idle after the warm-up', 15_000, async () => (await zero(a)) && (await zero(b)), failures)
    base = await a.probe()
    const pairs = await residents(a, b)
    const phase = (share: number) => new Promise((r) => setTimeout(r, seconds * 1000 * share))

    let running = load(() => [a, b], c, 'p1')
    await phase(0.35)
    await running.stop()
    // Redis goes away and comes back empty: instances reconnect and put back the peers they hold.
    await redis.stop()
    await redis.start()
    await until('both instances healthy after the Redis restart', 15_000, async () => (await a.api('/api/health')).body.status === 'ok' && (await b.api('/api/health')).body.status === 'ok', failures)
    for (const { x, y, room } of pairs) {
      y.send({ type: 'sdp-offer', targetUserId: 'x', data: { type: 'offer', sdp: `after restart ${room}` } })
      const got = await x.next('sdp-offer', 10_000).catch((err: unknown) => ({ data: { sdp: String(err) } }))
      if (got.data?.sdp !== `after restart ${room}`) failures.push(`resident ${room}: no cross-instance relay after the Redis restart (${String(got.data?.sdp)})`)
    }

    running = load(() => [a, b], c, 'p2')
    await phase(0.35)
    await running.stop()
    // B dies without a word; its peers' leases lapse and A tells their rooms.
    await b.stop('SIGKILL')
    for (const { x, room } of pairs) {
      const left = await x.next('peer-left', 15_000).catch(() => null)
      if (left?.userId !== 'y') failures.push(`resident ${room}: no peer-left for the killed instance's peer`)
    }

    running = load(() => [a], c, 'p3')
    await phase(0.3)
    await running.stop()
    for (const { x } of pairs) cut(x)
    await until('A back to no sockets, rooms, peers or away peers', 20_000, () => zero(a), failures)
    finalState = await state(a)
    end = await a.probe()
  } catch (err) {
    failures.push(`soak aborted: ${String(err instanceof Error ? err.stack : err)}`)
  } finally {
    await cluster.stop()
  }
  failures.push(...c.errors.map((e) => `load: ${e}`))
  if (c.floods !== c.floodsClosed) failures.push(`${c.floods - c.floodsClosed} floods were not closed`)
  if (c.halfOpen !== c.halfOpenClosed) failures.push(`${c.halfOpen - c.halfOpenClosed} half-open upgrades were not closed`)
  const heap = base && end ? (end.heapUsed - base.heapUsed) / base.heapUsed : NaN
  if (!(heap <= HEAP_TOLERANCE)) failures.push(`heap after GC grew ${(heap * 100).toFixed(1)}% (${base?.heapUsed} -> ${end?.heapUsed} bytes)`)
  if (base && end && end.fds !== base.fds) failures.push(`file descriptors ${base.fds} -> ${end.fds}`)
  if (base && end && end.timers !== base.timers) failures.push(`live timers ${base.timers} -> ${end.timers}`)
  const secs = Math.round((Date.now() - started) / 1000)
  const summary =
    `SOAK ${failures.length === 0 ? 'ok' : 'FAILED'} ${secs}s: 2 instances on Redis; ${c.cycles} churn cycles (${c.abrupt} abrupt), ` +
    `${c.floods} invalid-frame floods (${c.floodsClosed} closed), ${c.halfOpen} half-open upgrades (${c.halfOpenClosed} closed), ` +
    `Redis restarted, 1 instance killed; end: ${Object.entries(finalState).map(([k, v]) => `${k} ${v}`).join(', ')}, heap ${(heap * 100).toFixed(1)}%, fds ${base?.fds}->${end?.fds}, timers ${base?.timers}->${end?.timers}`
  return { ok: failures.length === 0, summary, failures }
}
