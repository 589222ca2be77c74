/** @module The table: medians over repetitions per metric and server, each with its ratio to our Node server. */
import type { Options } from './args.js'
import { LABELS, type ServerKind } from './servers.js'
import { median, spread } from './stats.js'
import { idleLevels } from '../scenarios/idle.js'

export interface Run {
  scenario: string
  kind: ServerKind
  rep: number
  metrics: Record<string, number | null>
  notes: string[]
  error?: string
}

export interface Row {
  key: string
  label: string
  digits: number
  better: 'lower' | 'higher'
}

export function rows(o: Options): Row[] {
  const r = (key: string, label: string, digits: number, better: Row['better']): Row => ({ key, label, digits, better })
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n))
  return [
    r('cold.coldStartMs', 'cold start: spawn -> first HTTP 200 (ms)', 0, 'lower'),
    r('idle.connectRate', `idle: connect + auth rate, first ${k(o.peers)} (peers/s)`, 0, 'higher'),
    r('idle.rssKbPerPeer1', `idle: RSS per peer at ${k(o.peers)} (KB)`, 2, 'lower'),
    r('idle.heapKbPerPeer1', `idle: JS heap per peer at ${k(o.peers)} (KB)`, 2, 'lower'),
    r('idle.rssKbPerPeer2', `idle: RSS per peer at ${k(o.peers2)} (KB)`, 2, 'lower'),
    r('idle.rssKbSlope', `idle: RSS slope ${k(o.peers)} -> ${k(o.peers2)} (KB/peer)`, 2, 'lower'),
    r('idle.rssMbAt50k', 'idle: RSS at 50k peers, extrapolated (MB)', 0, 'lower'),
    r('idle.rssKbSlopeFit', `idle: RSS slope, fit over ${idleLevels(o.peers, o.peers2).map(k).join(', ')} (KB/peer)`, 2, 'lower'),
    r('idle.rssKbSlopeLow', 'idle: RSS slope, lowest between levels (KB/peer)', 2, 'lower'),
    r('idle.rssKbSlopeHigh', 'idle: RSS slope, highest between levels (KB/peer)', 2, 'lower'),
    r('idle.rssMbAt50kFit', 'idle: RSS at 50k peers, from the fit (MB)', 0, 'lower'),
    r('storm.msgsPerSec', 'storm: delivered signals/s', 0, 'higher'),
    r('storm.p50Ms', 'storm: one-way latency p50 (ms)', 2, 'lower'),
    r('storm.p99Ms', 'storm: one-way latency p99 (ms)', 2, 'lower'),
    r('storm.cpuUsPerMsg', 'storm: server CPU per relayed signal (µs)', 1, 'lower'),
    r('churn.cyclesPerSec', 'churn: cycles/s', 0, 'higher'),
    r('churn.cpuUsPerCycle', 'churn: server CPU per cycle (µs)', 0, 'lower'),
    r('churn.heapGrowthPct', 'churn: heap growth after GC (%)', 1, 'lower'),
    r('churn.heapBytesPerCycle', 'churn: heap growth per cycle (B)', 1, 'lower'),
    r('churn.rssBytesPerCycle', 'churn: RSS growth per cycle (B)', 0, 'lower'),
    r('steady.p50Ms', `steady ${o.rate}/s: latency p50 (ms)`, 2, 'lower'),
    r('steady.p99Ms', `steady ${o.rate}/s: latency p99 (ms)`, 2, 'lower'),
    r('steady.p999Ms', `steady ${o.rate}/s: latency p999 (ms)`, 2, 'lower'),
    r('steady.cpuUsPerMsg', `steady ${o.rate}/s: server CPU per signal (µs)`, 1, 'lower'),
    r('token.mintsPerSec', 'token: POST /api/auth/token per s', 0, 'higher'),
    r('token.cpuUsPerMint', 'token: server CPU per mint (µs)', 0, 'lower'),
    r('token.cpuUsPerHealth', 'token: server CPU per GET /api/health (µs)', 0, 'lower'),
    r('token.handshakesPerSec', 'token: auth handshakes/s (connect, verify, join, close)', 0, 'higher'),
    r('token.cpuUsPerHandshake', 'token: server CPU per handshake (µs)', 0, 'lower'),
    r('xrelay.msgsPerSec', 'xrelay, 2 instances on Redis: delivered signals/s', 0, 'higher'),
    r('xrelay.p50Ms', 'xrelay, 2 instances: one-way latency p50 (ms)', 2, 'lower'),
    r('xrelay.p99Ms', 'xrelay, 2 instances: one-way latency p99 (ms)', 2, 'lower'),
    r('xrelay.cpuUsPerMsg', 'xrelay, 2 instances: CPU per signal, both + redis-server (µs)', 1, 'lower'),
    r('xrelay.serversCpuUsPerMsg', 'xrelay, 2 instances: CPU per signal, both instances (µs)', 1, 'lower'),
    r('xrelay.cpuUsPerMsgA', 'xrelay, 2 instances: CPU per signal, instance A (µs)', 1, 'lower'),
    r('xrelay.cpuUsPerMsgB', 'xrelay, 2 instances: CPU per signal, instance B (µs)', 1, 'lower'),
    r('xrelay.redisCpuUsPerMsg', 'xrelay, 2 instances: CPU per signal, redis-server (µs)', 1, 'lower'),
    r('xrelay.busPublishesPerMsg', 'xrelay, 2 instances: Redis publishes per signal (any client)', 2, 'lower'),
    r('xrelay.steadyP50Ms', `xrelay, 2 instances, ${o.rate}/s: latency p50 (ms)`, 2, 'lower'),
    r('xrelay.steadyP99Ms', `xrelay, 2 instances, ${o.rate}/s: latency p99 (ms)`, 2, 'lower'),
    r('xrelay.steadyCpuUsPerMsg', `xrelay, 2 instances, ${o.rate}/s: CPU per signal, both + redis (µs)`, 1, 'lower'),
    r('xrelay.oneMsgsPerSec', 'xrelay, 1 instance on Redis: delivered signals/s', 0, 'higher'),
    r('xrelay.oneP50Ms', 'xrelay, 1 instance: one-way latency p50 (ms)', 2, 'lower'),
    r('xrelay.oneP99Ms', 'xrelay, 1 instance: one-way latency p99 (ms)', 2, 'lower'),
    r('xrelay.oneCpuUsPerMsg', 'xrelay, 1 instance: CPU per signal, it + redis-server (µs)', 1, 'lower'),
    r('xrelay.oneRedisCpuUsPerMsg', 'xrelay, 1 instance: CPU per signal, redis-server (µs)', 1, 'lower'),
    r('xrelay.oneSteadyP50Ms', `xrelay, 1 instance, ${o.rate}/s: latency p50 (ms)`, 2, 'lower'),
    r('xrelay.oneSteadyP99Ms', `xrelay, 1 instance, ${o.rate}/s: latency p99 (ms)`, 2, 'lower'),
    r('xrelay.oneSteadyCpuUsPerMsg', `xrelay, 1 instance, ${o.rate}/s: CPU per signal, it + redis (µs)`, 1, 'lower'),
    r('xrelay.crossRatio', 'xrelay: CPU per signal, 2 instances / 1 instance (x)', 2, 'lower'),
    r('xrelay.redisIdleCpuPct', 'xrelay: redis-server CPU in a quiet second before (% core)', 1, 'lower'),
    r('yjs.connectRate', `yjs, rooms of 4: connect + subscribe rate, ${k(o.peers)} subscribers (peers/s)`, 0, 'higher'),
    r('yjs.rssKbPerPeer', `yjs, rooms of 4: idle RSS per subscriber at ${k(o.peers)} (KB)`, 2, 'lower'),
    r('yjs.heapKbPerPeer', `yjs, rooms of 4: idle JS heap per subscriber at ${k(o.peers)} (KB)`, 2, 'lower'),
    r('yjs.cpuUsPerPublish', 'yjs, rooms of 4: server CPU per publish, 4 deliveries (µs)', 1, 'lower'),
    r('yjs.cpuUsPerDelivery', 'yjs, rooms of 4: server CPU per delivered publish (µs)', 2, 'lower'),
    r('yjs.publishesPerSec', 'yjs, rooms of 4: publishes/s (all peers at once)', 0, 'higher'),
    r('yjs.heapKbPerClosedPeer', 'yjs: JS heap still held per closed subscriber, after GC (KB)', 2, 'lower'),
  ]
}

export type Medians = Record<string, Partial<Record<ServerKind, number>>>
/** Lowest and highest value of a metric over a server's runs, and how many runs had it. */
export type Ranges = Record<string, Partial<Record<ServerKind, { min: number; max: number; n: number }>>>

export function summarize(runs: Run[]) {
  const groups = new Map<string, Map<ServerKind, number[]>>()
  for (const run of runs) {
    for (const [m, v] of Object.entries(run.metrics)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue
      const key = `${run.scenario}.${m}`
      const g = groups.get(key) ?? new Map<ServerKind, number[]>()
      groups.set(key, g)
      g.set(run.kind, [...(g.get(run.kind) ?? []), v])
    }
  }
  const medians: Medians = {}
  const spreads: Record<string, Partial<Record<ServerKind, number | null>>> = {}
  const ranges: Ranges = {}
  for (const [key, g] of groups) {
    medians[key] = {}
    spreads[key] = {}
    ranges[key] = {}
    for (const [kind, xs] of g) {
      medians[key]![kind] = median(xs) ?? NaN
      spreads[key]![kind] = spread(xs)
      ranges[key]![kind] = { min: Math.min(...xs), max: Math.max(...xs), n: xs.length }
    }
  }
  return { medians, spreads, ranges }
}

export const fmt = (v: number, digits: number) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** One cell: the median, the range of the single runs (when given and more than one), and the ratio to ours on Node. */
function cell(row: Row, medians: Medians, kind: ServerKind, ranges?: Ranges): string {
  const v = medians[row.key]?.[kind]
  if (v === undefined || !Number.isFinite(v)) return '–'
  const base = medians[row.key]?.node
  const ratio = base && Number.isFinite(base) && base !== 0 && kind !== 'node' ? ` (${(v / base).toFixed(2)}x)` : ''
  const r = ranges?.[row.key]?.[kind]
  const range = r && r.n > 1 ? ` [${fmt(r.min, row.digits)}–${fmt(r.max, row.digits)}]` : ''
  return `${fmt(v, row.digits)}${range}${ratio}`
}

/** The results table; with `ranges`, each median carries the [lowest–highest] of its single runs. */
export function markdownTable(o: Options, medians: Medians, ranges?: Ranges): string {
  const head = `| metric (${ranges ? 'median [min–max]' : 'median'}) | ${o.servers.map((k) => LABELS[k]).join(' | ')} |`
  const sep = `|---|${o.servers.map(() => '---:').join('|')}|`
  const lines = rows(o)
    .filter((r) => medians[r.key])
    .map((r) => `| ${r.label} | ${o.servers.map((k) => cell(r, medians, k, ranges)).join(' | ')} |`)
  return [head, sep, ...lines].join('\n')
}

export function textTable(o: Options, medians: Medians): string {
  const data = rows(o)
    .filter((r) => medians[r.key])
    .map((r) => [r.label, ...o.servers.map((k) => cell(r, medians, k))])
  const header = ['metric (median; ratio to ours on Node)', ...o.servers.map((k) => LABELS[k])]
  const widths = header.map((h, i) => Math.max(h.length, ...data.map((d) => d[i]!.length)))
  const line = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...data.map(line)].join('\n')
}
