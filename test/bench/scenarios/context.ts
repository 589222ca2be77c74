/** @module What every scenario gets, and the common server lifecycle around one measured run. */
import type { Options } from '../lib/args.js'
import { protocolOf, startServer, type Protocol, type RunningServer, type Secrets, type ServerKind } from '../lib/servers.js'
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
export function withServer(ctx: Ctx, kind: ServerKind, fn: (srv: RunningServer) => Promise<RunResult>): Promise<RunResult> {
  return withServers(ctx, kind, 1, {}, ([srv]) => fn(srv!))
}

/**
 * `count` fresh servers of one kind, started one after the other with `env` added; the workers are pointed
 * at the first (a `connect` can send some peers to another with `altPort`) and speak `protocol` (by default the
 * server's own). Clients close before servers.
 */
export async function withServers(
  ctx: Ctx,
  kind: ServerKind,
  count: number,
  env: Record<string, string>,
  fn: (srvs: RunningServer[]) => Promise<RunResult>,
  protocol: Protocol = protocolOf(kind),
): Promise<RunResult> {
  const srvs: RunningServer[] = []
  try {
    for (let i = 0; i < count; i++) srvs.push(await startServer(kind, { secrets: ctx.secrets, env }))
    await ctx.pool.all('setup', (i) => ({ index: i, protocol, port: srvs[0]!.port, secret: ctx.secrets.secret }), 10_000)
    const r = await fn(srvs)
    r.metrics.startMs = srvs[0]!.coldStartMs
    return r
  } catch (err) {
    const output = srvs.map((s) => s.output().slice(-5).join(' | ')).join(' || ')
    ctx.log(`  ! ${kind}: ${(err as Error).message}${output ? `\n    server output: ${output}` : ''}`)
    throw err
  } finally {
    await ctx.pool.all('closeAll', () => ({}), 30_000).catch(() => undefined)
    await Promise.all(srvs.map((s) => s.stop()))
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
