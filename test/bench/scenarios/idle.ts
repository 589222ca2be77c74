/**
 * @module Idle peers: authenticated peers in rooms of 4 with heartbeats, added in five levels up to N2 (N and N2
 * among them). Memory is read after a forced GC in the server (bench preload) at each level, so garbage does not
 * count as per-peer cost. Besides the figures at N and N2, a least-squares line over all levels gives the slope
 * and the 50,000-peer estimate, with the lowest and highest slope between neighbouring levels.
 */
import type { ServerKind } from '../lib/servers.js'
import { sleep } from '../lib/proc.js'
import { errorsOf, split, sum, withServer, type ConnectResult, type Ctx, type RunResult } from './context.js'

const ROOM = 4
const KB = 1024
const MB = 1024 * 1024

/** The peer counts to measure at: five levels from N/5 to N2, N and N2 among them (fewer when N2 = N). */
export function idleLevels(peers: number, peers2: number): number[] {
  const levels = [Math.round(peers / 5), Math.round(peers / 2), peers, Math.round((peers + peers2) / 2), peers2]
  return [...new Set(levels.filter((n) => n > 0 && n <= peers2))].sort((a, b) => a - b)
}

/** Least-squares slope and intercept of y over x. */
export function fitLine(points: [number, number][]): { slope: number; intercept: number } {
  const n = points.length
  const mx = points.reduce((a, [x]) => a + x, 0) / n
  const my = points.reduce((a, [, y]) => a + y, 0) / n
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0)
  const slope = sxx > 0 ? sxy / sxx : NaN
  return { slope, intercept: my - slope * mx }
}

export function idle(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const { o, pool } = ctx
  return withServer(ctx, kind, async (srv) => {
    const notes: string[] = []
    await sleep(300)
    const m0 = await srv.gcAndMemory()
    const connect = async (peers: number, prefix: string) => {
      const rooms = split(Math.round(peers / ROOM), pool.size)
      const r = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: ROOM, prefix, concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 180_000)
      notes.push(...errorsOf(r))
      // Worker-side time: tokens are minted before each worker starts its clock.
      return { connected: sum(r.map((x) => x.connected)), ms: Math.max(...r.map((x) => x.ms)) }
    }
    const levels = idleLevels(o.peers, o.peers2)
    const readings: { n: number; rss: number; heapUsed: number }[] = []
    let n = 0
    let rateMs = 0
    let rateN = 0
    for (const [i, level] of levels.entries()) {
      const step = await connect(level - n, `i${i}-`)
      n += step.connected
      if (level <= o.peers) {
        rateMs += step.ms
        rateN += step.connected
      }
      if (i === 0) await pool.all('heartbeats', () => ({ ms: o.heartbeatMs }), 5000)
      await sleep(o.holdMs)
      const m = await srv.gcAndMemory()
      if (!m) throw new Error(`no memory reading from the server at ${level} peers (exited: ${srv.exited()})`)
      readings.push({ n, rss: m.rss, heapUsed: m.heapUsed })
    }
    if (!m0) throw new Error(`no memory reading from the server before connecting (exited: ${srv.exited()})`)
    const at = (level: number) => readings[levels.indexOf(level)]!
    const m1 = at(o.peers)
    const m2 = at(o.peers2)
    const n1 = m1.n
    const n2 = m2.n
    // No second level (--peers2 equal to --peers): no slope, rather than the RSS noise divided by one peer.
    const slope = n2 > n1 ? (m2.rss - m1.rss) / (n2 - n1) : NaN
    const fit = readings.length >= 3 ? fitLine(readings.map((r) => [r.n, r.rss])) : { slope: NaN, intercept: NaN }
    const segments = readings.slice(1).map((r, i) => (r.rss - readings[i]!.rss) / (r.n - readings[i]!.n))
    return {
      metrics: {
        connected1: n1,
        connected2: n2,
        connectRate: (rateN * 1000) / rateMs,
        rssKbPerPeer1: (m1.rss - m0.rss) / n1 / KB,
        heapKbPerPeer1: (m1.heapUsed - m0.heapUsed) / n1 / KB,
        rssKbPerPeer2: (m2.rss - m0.rss) / n2 / KB,
        heapKbPerPeer2: (m2.heapUsed - m0.heapUsed) / n2 / KB,
        rssKbSlope: slope / KB,
        rssMb0: m0.rss / MB,
        rssMb1: m1.rss / MB,
        rssMb2: m2.rss / MB,
        rssMbAt50k: (m2.rss + slope * (50_000 - n2)) / MB,
        rssKbSlopeFit: fit.slope / KB,
        rssKbSlopeLow: Math.min(...segments) / KB,
        rssKbSlopeHigh: Math.max(...segments) / KB,
        rssMbAt50kFit: (fit.intercept + fit.slope * 50_000) / MB,
        fitPoints: readings.length,
      },
      notes,
    }
  })
}
