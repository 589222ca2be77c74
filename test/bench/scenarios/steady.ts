/** @module Steady latency: a fixed signal rate (default 2,000/s) for a bounded time, one-way p50/p99/p999. */
import { quantile } from '../lib/hist.js'
import type { ServerKind } from '../lib/servers.js'
import { sleep } from '../lib/proc.js'
import { errorsOf, measured, withServer, type ConnectResult, type Ctx, type RunResult, type SignalResult } from './context.js'

const ROOMS = 100
const ROOM = 4

export function steady(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const { o, pool } = ctx
  return withServer(ctx, kind, async (srv) => {
    // One worker sends and receives, so send and receive times come from one clock.
    const c = await pool.call<ConnectResult>(0, 'connect', { rooms: ROOMS, roomSize: ROOM, prefix: 'l', concurrency: 100, timeoutMs: 20_000, deadlineMs: 60_000 }, 90_000)
    const notes = errorsOf([c])
    await sleep(300)
    const run = await measured(srv, () => pool.call<SignalResult>(0, 'steady', { rate: o.rate, durationMs: o.durationMs }, o.durationMs + 30_000))
    const r = run.value
    if (r.received < r.sent) notes.push(`${r.sent - r.received} of ${r.sent} signals not delivered`)
    const q = (x: number) => (quantile(r.hist, x) ?? NaN) / 1000
    return {
      metrics: {
        sent: r.sent,
        achievedRate: (r.sent * 1000) / r.ms,
        p50Ms: q(0.5),
        p99Ms: q(0.99),
        p999Ms: q(0.999),
        maxMs: r.hist.max / 1000,
        cpuUsPerMsg: (run.cpuMs * 1000) / Math.max(1, r.received),
      },
      notes,
    }
  })
}
