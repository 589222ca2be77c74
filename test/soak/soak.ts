/**
 * @module The soak: two instances on Redis under churn with abrupt closes, invalid-frame floods and half-open
 * upgrades; Redis is restarted (losing its data) and one instance is SIGKILLed along the way. At the end the surviving
 * instance must be back where it started: no rooms, peers or ghosts, heap after GC within 5%, the same file
 * descriptors and live timers. Returns one summary line and the failures.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { census } from '../bench/lib/heapsnapshot.js'
import { TestClient } from '../helpers/ws-client.js'
import { startCluster, type Cluster, type Instance, type Probe } from './cluster.js'
import { churnCycle, cut, floodCycle, halfOpenCycle, loop, newCounters, type Counters } from './load.js'

export interface SoakResult {
  ok: boolean
  summary: string
  failures: string[]
}

const RESIDENTS = 6
const HEAP_TOLERANCE = 0.05

/**
 * The heap after GC as a snapshot counts it, V8's own code left out: compiled code, bytecode and their metadata
 * (snapshot type `code`). V8 keeps compiling and optimizing hot functions long after any warm-up; in the soaks measured
 * for this, `code` grew 0.5-1.6 MB between the probes while every other kind of object together moved by a few KB.
 * Leaks are in the rest.
 */
function objectBytes(snapshot: string): { objects: number; code: number } {
  let objects = 0
  let code = 0
  for (const [key, { size }] of census(snapshot)) {
    if (key === 'code' || key.startsWith('code ')) code += size
    else objects += size
  }
  return { objects, code }
}

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

/**
 * One round of the scenario: load on both instances, a Redis restart, load, B killed, load on A alone, B started again,
 * and A back to holding nothing. `share` of `seconds` goes to the load phases.
 */
async function round(cluster: Cluster, seconds: number, c: Counters, tag: string, failures: string[]) {
  const { a, redis } = cluster
  const pairs = await residents(a, cluster.b)
  const phase = (share: number) => new Promise((r) => setTimeout(r, seconds * 1000 * share))

  let running = load(() => [a, cluster.b], c, `${tag}1`)
  await phase(0.35)
  await running.stop()
  // Redis goes away and comes back empty: instances reconnect and put back the peers they hold.
  await redis.stop()
  await redis.start()
  await until('both instances healthy after the Redis restart', 15_000, async () => (await a.api('/api/health')).body.status === 'ok' && (await cluster.b.api('/api/health')).body.status === 'ok', failures)
  for (const { x, y, room } of pairs) {
    y.send({ type: 'sdp-offer', targetUserId: 'x', data: { type: 'offer', sdp: `after restart ${room}` } })
    const got = await x.next('sdp-offer', 10_000).catch((err: unknown) => ({ data: { sdp: String(err) } }))
    if (got.data?.sdp !== `after restart ${room}`) failures.push(`resident ${room}: no cross-instance relay after the Redis restart (${String(got.data?.sdp)})`)
  }

  running = load(() => [a, cluster.b], c, `${tag}2`)
  await phase(0.35)
  await running.stop()
  // B dies without a word; its peers' leases lapse and A tells their rooms.
  await cluster.b.stop('SIGKILL')
  for (const { x, room } of pairs) {
    const left = await x.next('peer-left', 15_000).catch(() => null)
    if (left?.userId !== 'y') failures.push(`resident ${room}: no peer-left for the killed instance's peer`)
  }

  running = load(() => [a], c, `${tag}3`)
  await phase(0.3)
  await running.stop()
  for (const { x } of pairs) cut(x)
  await cluster.startB()
  await until(`A back to no sockets, rooms, peers or away peers (${tag})`, 20_000, () => zero(a), failures)
}

/**
 * Two rounds; the baseline is A after the first. So every code path has run once before it (the restore after Redis
 * lost its data, the sweep of a dead instance's peers, ...), and what the second round leaves behind is what grows
 * with traffic.
 */
export async function runSoak(seconds: number): Promise<SoakResult> {
  const failures: string[] = []
  const c = newCounters()
  const started = Date.now()
  const snapshots = mkdtempSync(join(tmpdir(), 'octp2p-soak-'))
  const cluster = await startCluster(snapshots)
  const { a } = cluster
  let base: Probe | null = null
  let end: Probe | null = null
  let finalState: Record<string, number> = {}
  try {
    await round(cluster, seconds * 0.3, c, 'w', failures)
    base = await a.probe()
    await round(cluster, seconds * 0.7, c, 'r', failures)
    finalState = await state(a)
    end = await a.probe()
  } catch (err) {
    failures.push(`soak aborted: ${String(err instanceof Error ? err.stack : err)}`)
  } finally {
    await cluster.stop()
  }
  const [before, after] = base && end ? [objectBytes(base.snapshot), objectBytes(end.snapshot)] : [null, null]
  rmSync(snapshots, { recursive: true, force: true })
  failures.push(...c.errors.map((e) => `load: ${e}`))
  if (c.floods !== c.floodsClosed) failures.push(`${c.floods - c.floodsClosed} floods were not closed`)
  if (c.halfOpen !== c.halfOpenClosed) failures.push(`${c.halfOpen - c.halfOpenClosed} half-open upgrades were not closed`)
  // V8's code is left out (objectBytes says why) and reported beside it.
  const heap = before && after ? (after.objects - before.objects) / before.objects : NaN
  const code = before && after ? ((after.code - before.code) / 1024 / 1024).toFixed(1) : '?'
  if (!(heap <= HEAP_TOLERANCE)) failures.push(`heap after GC (V8 code excluded) grew ${(heap * 100).toFixed(1)}% (${before?.objects} -> ${after?.objects} bytes)`)
  if (base && end && end.fds !== base.fds) failures.push(`file descriptors ${base.fds} -> ${end.fds}`)
  if (base && end && end.timers !== base.timers) failures.push(`live timers ${base.timers} -> ${end.timers}`)
  const secs = Math.round((Date.now() - started) / 1000)
  const summary =
    `SOAK ${failures.length === 0 ? 'ok' : 'FAILED'} ${secs}s: 2 instances on Redis; ${c.cycles} churn cycles (${c.abrupt} abrupt), ` +
    `${c.floods} invalid-frame floods (${c.floodsClosed} closed), ${c.halfOpen} half-open upgrades (${c.halfOpenClosed} closed), ` +
    `Redis restarted and 1 instance killed in each of 2 rounds; end: ${Object.entries(finalState).map(([k, v]) => `${k} ${v}`).join(', ')}, heap ${heap >= 0 ? '+' : ''}${(heap * 100).toFixed(1)}% (V8 code ${code.startsWith('-') ? '' : '+'}${code} MB), fds ${base?.fds}->${end?.fds}, timers ${base?.timers}->${end?.timers}`
  return { ok: failures.length === 0, summary, failures }
}
