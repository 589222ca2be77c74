/**
 * @module Churn: connect, auth, join, one offer/answer round trip with a resident anchor peer, close.
 * Heap before and after is read after a forced GC: ours on Node through POST /api/maintenance/gc
 * (rate-limited to one per 10 s, so the second call waits), the others through the bench preload.
 */
import { httpCall, type RunningServer, type ServerKind } from '../lib/servers.js'
import { sleep } from '../lib/proc.js'
import { errorsOf, measured, split, sum, withServer, type ConnectResult, type CycleResult, type Ctx, type RunResult } from './context.js'

const GC_WINDOW_MS = 10_500

/** Heap used after a forced GC, via the admin endpoint; exact bytes come from the preload right after. */
async function gcHeap(kind: ServerKind, srv: RunningServer, adminToken: string) {
  let endpointMb: number | null = null
  if (kind === 'node' || kind === 'node-exp') {
    const r = await httpCall(srv.port, '/api/maintenance/gc', { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } })
    if (r.status !== 200) throw new Error(`POST /api/maintenance/gc answered ${r.status}: ${r.body.slice(0, 200)}`)
    endpointMb = (JSON.parse(r.body) as { after?: { heapUsedMb?: number } }).after?.heapUsedMb ?? null
  }
  const m = await srv.gcAndMemory()
  return { heap: m?.heapUsed ?? NaN, rss: m?.rss ?? srv.rss(), endpointMb, at: performance.now() }
}

export function churn(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const { o, pool } = ctx
  return withServer(ctx, kind, async (srv) => {
    const anchors = split(o.churnRooms, pool.size)
    const c = await pool.all<ConnectResult>('connect', (i) => ({ rooms: anchors[i]!, roomSize: 1, prefix: 'a', concurrency: 50, timeoutMs: 20_000, deadlineMs: 30_000 }), 60_000)
    const notes = errorsOf(c)
    const cycles = split(o.churn, pool.size)
    const warm = split(Math.min(1000, Math.ceil(o.churn / 10)), pool.size)
    await pool.all('prepare', (i) => ({ for: 'churn', count: warm[i]!, tag: 'w' }), 60_000)
    await pool.all<CycleResult>('churn', () => ({ concurrency: 32, deadlineMs: 60_000, timeoutMs: 10_000 }), 90_000)
    await pool.all('prepare', (i) => ({ for: 'churn', count: cycles[i]!, tag: 'm' }), 120_000)
    await sleep(500)
    const before = await gcHeap(kind, srv, ctx.secrets.adminToken)
    const run = await measured(srv, () => pool.all<CycleResult>('churn', () => ({ concurrency: 32, deadlineMs: 240_000, timeoutMs: 10_000 }), 300_000))
    notes.push(...errorsOf(run.value))
    await sleep(Math.max(1000, kind === 'node' || kind === 'node-exp' ? before.at + GC_WINDOW_MS - performance.now() : 0))
    const after = await gcHeap(kind, srv, ctx.secrets.adminToken)
    const done = sum(run.value.map((r) => r.done))
    return {
      metrics: {
        cycles: done,
        cyclesPerSec: (done * 1000) / run.wallMs,
        cpuUsPerCycle: (run.cpuMs * 1000) / Math.max(1, done),
        heapMbBefore: before.heap / 2 ** 20,
        heapMbAfter: after.heap / 2 ** 20,
        heapGrowthPct: ((after.heap - before.heap) / before.heap) * 100,
        heapBytesPerCycle: (after.heap - before.heap) / Math.max(1, done),
        rssBytesPerCycle: (after.rss - before.rss) / Math.max(1, done),
        endpointHeapMbBefore: before.endpointMb,
        endpointHeapMbAfter: after.endpointMb,
      },
      notes,
    }
  })
}
