/**
 * @module Cross-instance relay: two of our servers on one Redis, every room of 4 split two and two (even slots
 * on instance A, odd on B), and the storm's offer -> answer -> 8 candidates each way between the pairs that sit
 * on different instances, so every signal crosses Redis pub/sub. CPU per signal is summed over both servers and
 * the redis-server process. Storm latency is queueing under saturation, so a short steady stream between the
 * same pairs follows for latency. The same load with all peers on one instance of the same Redis follows in the
 * same run (fresh server, fresh prefix), so the cost of crossing reads as a ratio.
 */
import { merge, newHist, quantile } from '../lib/hist.js'
import { cpuMs, sleep } from '../lib/proc.js'
import { benchRedisUrl, deleteKeys, newRedisPrefix, openRedis, redisServerPid } from '../lib/redis.js'
import { protocolOf, type RunningServer, type ServerKind } from '../lib/servers.js'
import { errorsOf, split, sum, withServers, type ConnectResult, type Ctx, type Metrics, type RunResult, type SignalResult } from './context.js'
import { relayedByOurs } from './storm.js'
import type { Redis } from 'ioredis'

const ROOM = 4
const ICE = 8
/** The steady stream's length (or --duration if shorter): its latency quantiles settle within seconds. */
const STEADY_MS = 5000

export async function xrelay(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  if (protocolOf(kind) !== 'ours') return { metrics: {}, notes: ['skipped: only our server has a Redis bus'] }
  const url = benchRedisUrl()
  const conn = await openRedis(url)
  if (!conn.redis) return { metrics: {}, notes: [`skipped: Redis not reachable at ${url} (${conn.error})`] }
  const redis = conn.redis
  try {
    const pid = await redisServerPid(redis)
    const cross = await phase(ctx, kind, redis, pid, 2)
    const one = await phase(ctx, kind, redis, pid, 1)
    const metrics: Metrics = { ...cross.metrics }
    for (const [k, v] of Object.entries(one.metrics)) metrics[`one${k[0]!.toUpperCase()}${k.slice(1)}`] = v
    metrics.crossRatio = ratio(cross.metrics.cpuUsPerMsg, one.metrics.cpuUsPerMsg)
    metrics.crossServersRatio = ratio(cross.metrics.serversCpuUsPerMsg, one.metrics.serversCpuUsPerMsg)
    const notes = [...cross.notes, ...one.notes.map((n) => `one instance: ${n}`)]
    if (pid === null) notes.push('redis-server process not visible here: Redis CPU not counted')
    return { metrics, notes }
  } finally {
    redis.disconnect()
  }
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b > 0 ? a / b : null)

/** The load on `instances` fresh servers under a fresh prefix, whose keys are deleted afterwards. */
async function phase(ctx: Ctx, kind: ServerKind, redis: Redis, redisPid: number | null, instances: 1 | 2): Promise<RunResult> {
  const prefix = newRedisPrefix()
  const env = { REDIS_URL: benchRedisUrl(), REDIS_PREFIX: prefix }
  let r: RunResult | null = null
  try {
    const probe: RedisProbe = { redis, cpuMs: () => (redisPid === null ? NaN : cpuMs(redisPid)) }
    r = await withServers(ctx, kind, instances, env, (srvs) => load(ctx, kind, srvs, probe))
    return r
  } finally {
    const deleted = await deleteKeys(redis, prefix).catch((err: unknown) => `failed: ${(err as Error).message}`)
    if (typeof deleted === 'string') r?.notes.push(`deleting keys under ${prefix} ${deleted}`)
    else if (r) r.metrics.keysDeleted = deleted
  }
}

/** What the phases read from Redis and its process. */
interface RedisProbe {
  redis: Redis
  /** redis-server CPU time so far (ms), NaN when its process is not visible. */
  cpuMs: () => number
}

/** Connects the rooms (split when there is a second server), then the storm and the steady stream on them. */
async function load(ctx: Ctx, kind: ServerKind, srvs: RunningServer[], probe: RedisProbe): Promise<RunResult> {
  const { o, pool } = ctx
  const rooms = split(Math.round(o.stormPeers / ROOM), pool.size)
  const altPort = srvs[1]?.port ?? 0
  const c = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: ROOM, prefix: 'x', altPort, concurrency: 100, timeoutMs: 20_000, deadlineMs: 60_000 }), 90_000)
  const notes = errorsOf(c)
  await sleep(300)
  // Redis CPU over a quiet second: other clients of a shared Redis show up here, and would in the phase too.
  const quiet0 = probe.cpuMs()
  await sleep(1000)
  const redisIdleCpuPct = (probe.cpuMs() - quiet0) / 10
  const storm = await measureStorm(ctx, kind, srvs, probe, notes)
  await sleep(300)
  const steady = await measureSteady(ctx, srvs, probe, notes)
  return { metrics: { ...storm, ...steady, redisIdleCpuPct: Number.isFinite(redisIdleCpuPct) ? redisIdleCpuPct : null }, notes }
}

/** CPU per delivered signal over an interval, split by process: ours (each), both, redis-server, all. */
function cpuSplit(srvs: RunningServer[], probe: RedisProbe) {
  const servers0 = srvs.map((s) => s.cpuMs())
  const redis0 = probe.cpuMs()
  return (delivered: number) => {
    const cpu = srvs.map((s, i) => s.cpuMs() - servers0[i]!)
    const redisMs = probe.cpuMs() - redis0
    const perMsg = (ms: number) => (Number.isFinite(ms) ? (ms * 1000) / Math.max(1, delivered) : null)
    return { all: perMsg(sum(cpu) + redisMs), servers: perMsg(sum(cpu)), a: perMsg(cpu[0]!), b: cpu.length > 1 ? perMsg(cpu[1]!) : null, redis: perMsg(redisMs) }
  }
}

/** Saturating storm between cross-instance pairs: CPU per signal and (queueing) latency. */
async function measureStorm(ctx: Ctx, kind: ServerKind, srvs: RunningServer[], probe: RedisProbe, notes: string[]): Promise<Metrics> {
  const { o, pool } = ctx
  const relayed0 = await relayedTotal(kind, srvs, ctx.secrets.adminToken)
  const published0 = await publishCalls(probe.redis)
  const cpu = cpuSplit(srvs, probe)
  const t0 = performance.now()
  const results = await pool.all<SignalResult>('storm', () => ({ rounds: o.rounds, ice: ICE, deadlineMs: 120_000, crossOnly: true }), 150_000)
  const wallMs = performance.now() - t0
  const hist = newHist()
  for (const r of results) merge(hist, r.hist)
  const received = sum(results.map((r) => r.received))
  const perMsg = cpu(received)
  const published = (await publishCalls(probe.redis)) - published0
  const relayed1 = await relayedTotal(kind, srvs, ctx.secrets.adminToken)
  const sent = sum(results.map((r) => r.sent))
  if (received < sent) notes.push(`storm: ${sent - received} of ${sent} signals not delivered`)
  if (relayed0 !== null && relayed1 !== null && relayed1 - relayed0 !== sent) notes.push(`storm: servers counted ${relayed1 - relayed0} relayed, clients sent ${sent}`)
  return {
    delivered: received,
    msgsPerSec: (received * 1000) / wallMs,
    p50Ms: (quantile(hist, 0.5) ?? NaN) / 1000,
    p99Ms: (quantile(hist, 0.99) ?? NaN) / 1000,
    cpuUsPerMsg: perMsg.all,
    serversCpuUsPerMsg: perMsg.servers,
    cpuUsPerMsgA: perMsg.a,
    cpuUsPerMsgB: perMsg.b,
    redisCpuUsPerMsg: perMsg.redis,
    // Every publish on the Redis (it may be shared): with two instances about one per signal.
    busPublishesPerMsg: published / Math.max(1, received),
  }
}

/** A fixed rate below saturation between cross-instance pairs (worker 0's rooms, one clock): latency without queueing. */
async function measureSteady(ctx: Ctx, srvs: RunningServer[], probe: RedisProbe, notes: string[]): Promise<Metrics> {
  const { o, pool } = ctx
  const durationMs = Math.min(o.durationMs, STEADY_MS)
  const cpu = cpuSplit(srvs, probe)
  const r = await pool.call<SignalResult>(0, 'steady', { rate: o.rate, durationMs, crossOnly: true }, durationMs + 30_000)
  const perMsg = cpu(r.received)
  if (r.received < r.sent) notes.push(`steady: ${r.sent - r.received} of ${r.sent} signals not delivered`)
  return {
    steadyP50Ms: (quantile(r.hist, 0.5) ?? NaN) / 1000,
    steadyP99Ms: (quantile(r.hist, 0.99) ?? NaN) / 1000,
    steadyCpuUsPerMsg: perMsg.all,
  }
}

async function relayedTotal(kind: ServerKind, srvs: RunningServer[], adminToken: string): Promise<number | null> {
  const counts = await Promise.all(srvs.map((s) => relayedByOurs(kind, s.port, adminToken)))
  return counts.some((n) => n === null) ? null : sum(counts as number[])
}

/** PUBLISH and SPUBLISH calls so far, from INFO commandstats (server-wide). */
async function publishCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  const calls = (cmd: string) => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0)
  return calls('publish') + calls('spublish')
}
