/**
 * @module Cross-instance relay: two of our servers on one Redis, every room of 4 split two and two (even slots
 * on instance A, odd on B), and the storm's offer -> answer -> 8 candidates each way between the pairs that sit
 * on different instances, so every signal crosses Redis pub/sub. CPU per signal is summed over both servers and
 * the redis-server process. The same load with all peers on one instance of the same Redis follows in the same
 * run (fresh server, fresh prefix), so the cost of crossing reads as a ratio.
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

/** One storm on `instances` fresh servers under a fresh prefix, whose keys are deleted afterwards. */
async function phase(ctx: Ctx, kind: ServerKind, redis: Redis, redisPid: number | null, instances: 1 | 2): Promise<RunResult> {
  const prefix = newRedisPrefix()
  const env = { REDIS_URL: benchRedisUrl(), REDIS_PREFIX: prefix }
  let r: RunResult | null = null
  try {
    r = await withServers(ctx, kind, instances, env, (srvs) => storm(ctx, kind, srvs, redis, redisPid))
    return r
  } finally {
    const deleted = await deleteKeys(redis, prefix).catch((err: unknown) => `failed: ${(err as Error).message}`)
    if (typeof deleted === 'string') r?.notes.push(`deleting keys under ${prefix} ${deleted}`)
    else if (r) r.metrics.keysDeleted = deleted
  }
}

async function storm(ctx: Ctx, kind: ServerKind, srvs: RunningServer[], redis: Redis, redisPid: number | null): Promise<RunResult> {
  const { o, pool } = ctx
  const rooms = split(Math.round(o.stormPeers / ROOM), pool.size)
  const altPort = srvs[1]?.port ?? 0
  const c = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: ROOM, prefix: 'x', altPort, concurrency: 100, timeoutMs: 20_000, deadlineMs: 60_000 }), 90_000)
  const notes = errorsOf(c)
  const redisCpu = () => (redisPid === null ? NaN : cpuMs(redisPid))
  await sleep(300)
  // Redis CPU over a quiet second: other clients of a shared Redis show up here, and would in the phase too.
  const quiet0 = redisCpu()
  await sleep(1000)
  const redisIdleCpuPct = (redisCpu() - quiet0) / 10
  const relayed0 = await relayedTotal(kind, srvs, ctx.secrets.adminToken)
  const published0 = await publishCalls(redis)
  const cpu0 = srvs.map((s) => s.cpuMs())
  const redis0 = redisCpu()
  const t0 = performance.now()
  const results = await pool.all<SignalResult>('storm', () => ({ rounds: o.rounds, ice: ICE, deadlineMs: 120_000, crossOnly: true }), 150_000)
  const wallMs = performance.now() - t0
  const cpu = srvs.map((s, i) => s.cpuMs() - cpu0[i]!)
  const redisMs = redisCpu() - redis0
  const published = (await publishCalls(redis)) - published0
  const relayed1 = await relayedTotal(kind, srvs, ctx.secrets.adminToken)
  const hist = newHist()
  for (const r of results) merge(hist, r.hist)
  const received = sum(results.map((r) => r.received))
  const sent = sum(results.map((r) => r.sent))
  if (received < sent) notes.push(`${sent - received} of ${sent} signals not delivered`)
  if (relayed0 !== null && relayed1 !== null && relayed1 - relayed0 !== sent) notes.push(`servers counted ${relayed1 - relayed0} relayed, clients sent ${sent}`)
  const perMsg = (ms: number) => (Number.isFinite(ms) ? (ms * 1000) / Math.max(1, received) : null)
  const serversMs = sum(cpu)
  return {
    metrics: {
      delivered: received,
      msgsPerSec: (received * 1000) / wallMs,
      p50Ms: (quantile(hist, 0.5) ?? NaN) / 1000,
      p99Ms: (quantile(hist, 0.99) ?? NaN) / 1000,
      cpuUsPerMsg: perMsg(serversMs + redisMs),
      serversCpuUsPerMsg: perMsg(serversMs),
      cpuUsPerMsgA: perMsg(cpu[0]!),
      cpuUsPerMsgB: cpu.length > 1 ? perMsg(cpu[1]!) : null,
      redisCpuUsPerMsg: perMsg(redisMs),
      redisIdleCpuPct: Number.isFinite(redisIdleCpuPct) ? redisIdleCpuPct : null,
      // Every publish on the Redis (it may be shared): with two instances about one per signal.
      busPublishesPerMsg: published / Math.max(1, received),
    },
    notes,
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
