/**
 * @module Token throughput: minting and health checks over HTTP with keep-alive (ours only), and auth handshakes
 * per second (connect, verify, join, ready, close) for every server, with server CPU per operation.
 */
import { protocolOf, type ServerKind } from '../lib/servers.js'
import { errorsOf, measured, split, sum, withServer, type CycleResult, type Ctx, type RunResult } from './context.js'

export function token(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const { o, pool } = ctx
  return withServer(ctx, kind, async (srv) => {
    const notes: string[] = []
    const metrics: RunResult['metrics'] = {}
    if (protocolOf(kind) === 'ours') {
      const n = split(o.mints, pool.size)
      const run = await measured(srv, () => pool.all<CycleResult>('mint', (i) => ({ count: n[i]!, concurrency: 16, deadlineMs: 60_000, issuerKey: ctx.secrets.issuerKey }), 90_000))
      notes.push(...errorsOf(run.value))
      const done = sum(run.value.map((r) => r.done))
      metrics.mintsPerSec = (done * 1000) / run.wallMs
      metrics.cpuUsPerMint = (run.cpuMs * 1000) / Math.max(1, done)
      const health = await measured(srv, () => pool.all<CycleResult>('health', (i) => ({ count: n[i]!, concurrency: 16, deadlineMs: 60_000 }), 90_000))
      notes.push(...errorsOf(health.value))
      metrics.cpuUsPerHealth = (health.cpuMs * 1000) / Math.max(1, sum(health.value.map((r) => r.done)))
    }
    const n = split(o.handshakes, pool.size)
    await pool.all('prepare', (i) => ({ for: 'handshakes', count: n[i]!, rooms: 64 }), 60_000)
    const run = await measured(srv, () => pool.all<CycleResult>('handshakes', () => ({ concurrency: 32, deadlineMs: 60_000, timeoutMs: 10_000 }), 90_000))
    notes.push(...errorsOf(run.value))
    const done = sum(run.value.map((r) => r.done))
    metrics.handshakesPerSec = (done * 1000) / run.wallMs
    metrics.cpuUsPerHandshake = (run.cpuMs * 1000) / Math.max(1, done)
    return { metrics, notes }
  })
}
