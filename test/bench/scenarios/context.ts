/** @module What every scenario gets, and the common server lifecycle around one measured run. */
import type { Options } from '../lib/args.js'
import { protocolOf, startServer, type RunningServer, type Secrets, type ServerKind } from '../lib/servers.js'
import type { WorkerPool } from '../lib/workers.js'

export interface Ctx {
  o: Options
  secrets: Secrets
  pool: WorkerPool
  log: (line: string) => void
}

export type Metrics = Record<string, number | null>

export interface RunResult {
  metrics: Metrics
  notes: string[]
}

export type { SignalResult } from '../load/signal-ops.js'

export interface CycleResult {
  done: number
  failed: number
  ms: number
  errors: string[]
}

export interface ConnectResult {
  connected: number
  failed: number
  ms: number
  errors: string[]
}

/** `total` split as evenly as possible over `n` parts. */
export const split = (total: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0))

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** Starts a fresh server, points the workers at it, runs `fn`, then closes every client and the server. */
export async function withServer(ctx: Ctx, kind: ServerKind, fn: (srv: RunningServer) => Promise<RunResult>): Promise<RunResult> {
  const srv = await startServer(kind, { secrets: ctx.secrets })
  try {
    await ctx.pool.all('setup', (i) => ({ index: i, protocol: protocolOf(kind), port: srv.port, secret: ctx.secrets.secret }), 10_000)
    const r = await fn(srv)
    r.metrics.startMs = srv.coldStartMs
    return r
  } catch (err) {
    ctx.log(`  ! ${kind}: ${(err as Error).message}\n    server output: ${srv.output().slice(-5).join(' | ')}`)
    throw err
  } finally {
    await ctx.pool.all('closeAll', () => ({}), 30_000).catch(() => undefined)
    await srv.stop()
  }
}

/** Server CPU time (ms) spent while `fn` runs, with the wall time. */
export async function measured<T>(srv: RunningServer, fn: () => Promise<T>): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  const cpu0 = srv.cpuMs()
  const t0 = performance.now()
  const value = await fn()
  const wallMs = performance.now() - t0
  return { value, cpuMs: srv.cpuMs() - cpu0, wallMs }
}

export function errorsOf(results: { errors: string[]; failed: number }[]): string[] {
  const failed = sum(results.map((r) => r.failed))
  return failed ? [`${failed} failed: ${results.flatMap((r) => r.errors).slice(0, 3).join('; ')}`] : []
}
