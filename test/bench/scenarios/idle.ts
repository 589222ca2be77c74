/**
 * @module Idle peers: N authenticated peers in rooms of 4 with heartbeats, then N2. Memory is read
 * after a forced GC in the server (bench preload), so garbage does not count as per-peer cost.
 */
import type { ServerKind } from '../lib/servers.js'
import { sleep } from '../lib/proc.js'
import { errorsOf, split, sum, withServer, type ConnectResult, type Ctx, type RunResult } from './context.js'

const ROOM = 4
const KB = 1024
const MB = 1024 * 1024

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
    const first = await connect(o.peers, 'i')
    await pool.all('heartbeats', () => ({ ms: o.heartbeatMs }), 5000)
    await sleep(o.holdMs)
    const m1 = await srv.gcAndMemory()
    const second = await connect(o.peers2 - o.peers, 'j')
    await sleep(o.holdMs)
    const m2 = await srv.gcAndMemory()
    if (!m0 || !m1 || !m2) throw new Error(`no memory reading from the server (before: ${!!m0}, at N: ${!!m1}, at N2: ${!!m2}; exited: ${srv.exited()})`)
    const n1 = first.connected
    const n2 = n1 + second.connected
    // No second level (--peers2 equal to --peers): no slope, rather than the RSS noise divided by one peer.
    const slope = n2 > n1 ? (m2.rss - m1.rss) / (n2 - n1) : NaN
    return {
      metrics: {
        connected1: n1,
        connected2: n2,
        connectRate: (n1 * 1000) / first.ms,
        rssKbPerPeer1: (m1.rss - m0.rss) / n1 / KB,
        heapKbPerPeer1: (m1.heapUsed - m0.heapUsed) / n1 / KB,
        rssKbPerPeer2: (m2.rss - m0.rss) / n2 / KB,
        heapKbPerPeer2: (m2.heapUsed - m0.heapUsed) / n2 / KB,
        rssKbSlope: slope / KB,
        rssMb0: m0.rss / MB,
        rssMb1: m1.rss / MB,
        rssMb2: m2.rss / MB,
        rssMbAt50k: (m2.rss + slope * (50_000 - n2)) / MB,
      },
      notes,
    }
  })
}
