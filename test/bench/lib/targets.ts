/** @module The issue-4 targets, judged from the medians of one run. */
import type { Medians } from './report.js'
import type { ServerKind } from './servers.js'

export interface Verdict {
  target: string
  figure: string
  met: boolean | null
}

const get = (m: Medians, key: string, kind: ServerKind) => {
  const v = m[key]?.[kind]
  return v === undefined || !Number.isFinite(v) ? null : v
}

const f = (v: number | null, d = 1) => (v === null ? 'n/a' : v.toFixed(d))

function ratio(m: Medians, key: string, a: ServerKind, b: ServerKind, limit: number, target: string, unit: string, higherIsBetter = false): Verdict {
  const x = get(m, key, a)
  const y = get(m, key, b)
  if (x === null || y === null) return { target, figure: 'not measured', met: null }
  const r = x / y
  return { target, figure: `${f(x)} vs ${f(y)} ${unit} = ${r.toFixed(2)}x`, met: higherIsBetter ? r >= limit : r <= limit }
}

function absolute(m: Medians, key: string, kind: ServerKind, limit: number, target: string, unit: string, digits = 1): Verdict {
  const x = get(m, key, kind)
  return x === null ? { target, figure: 'not measured', met: null } : { target, figure: `${f(x, digits)} ${unit}`, met: x <= limit }
}

export function judge(m: Medians): Verdict[] {
  return [
    ratio(m, 'storm.cpuUsPerMsg', 'node', 'peerjs', 1.0, 'relay CPU/msg on Node <= 1.0x PeerJS', 'µs'),
    ratio(m, 'storm.cpuUsPerMsg', 'node', 'bare', 1.5, 'relay CPU/msg on Node <= 1.5x bare ws relay', 'µs'),
    ratio(m, 'storm.cpuUsPerMsg', 'bun', 'node', 0.6, 'relay CPU/msg on Bun <= 0.6x Node', 'µs'),
    ratio(m, 'idle.rssKbPerPeer1', 'node', 'peerjs', 1.0, 'idle RSS/peer <= PeerJS', 'KB'),
    ratio(m, 'idle.rssKbPerPeer1', 'node', 'bare', 1.0, 'idle RSS/peer <= bare ws relay', 'KB'),
    absolute(m, 'idle.rssMbAt50k', 'node', 512, '50,000 idle peers < 512 MB RSS (extrapolated)', 'MB', 0),
    absolute(m, 'idle.rssMbAt50kFit', 'node', 400, '50,000 idle peers < 400 MB RSS (fit over five levels)', 'MB', 0),
    ratio(m, 'storm.cpuUsPerMsg', 'node', 'peerjs', 0.75, 'storm relay CPU/msg on Node <= 0.75x PeerJS', 'µs'),
    ratio(m, 'storm.cpuUsPerMsg', 'node', 'bare', 1.3, 'storm relay CPU/msg on Node <= 1.3x bare ws relay', 'µs'),
    ratio(m, 'steady.cpuUsPerMsg', 'node', 'peerjs', 1.0, 'steady CPU/signal <= PeerJS', 'µs'),
    ratio(m, 'steady.p50Ms', 'node', 'peerjs', 1.0, 'steady p50 <= PeerJS', 'ms'),
    ratio(m, 'token.cpuUsPerHandshake', 'node', 'peerjs', 1.0, 'handshake CPU <= PeerJS', 'µs'),
    ratio(m, 'churn.cpuUsPerCycle', 'node', 'peerjs', 1.0, 'churn CPU/cycle <= PeerJS', 'µs'),
    ratio(m, 'idle.heapKbPerPeer1', 'node', 'peerjs', 1.0, 'idle heap/peer <= PeerJS', 'KB'),
    ratio(m, 'idle.connectRate', 'node', 'peerjs', 1.0, 'idle connect rate >= PeerJS', 'peers/s', true),
    absolute(m, 'token.cpuUsPerHealth', 'node', 30, 'GET /api/health < 30 µs server CPU', 'µs', 0),
    absolute(m, 'token.cpuUsPerMint', 'node', 150, 'mint < 150 µs server CPU (keep-alive)', 'µs', 0),
    absolute(m, 'churn.heapGrowthPct', 'node', 5, 'churn: heap after GC within 5% of start', '%'),
    ratio(m, 'churn.cyclesPerSec', 'node', 'peerjs', 1.0, 'churn cycles/s >= PeerJS', 'cycles/s', true),
    ratio(m, 'steady.p99Ms', 'node', 'peerjs', 1.0, 'steady p99 <= PeerJS', 'ms'),
    absolute(m, 'steady.p999Ms', 'node', 10, 'steady p999 < 10 ms', 'ms', 2),
    absolute(m, 'cold.coldStartMs', 'node', 300, 'cold start (bundle -> /api/health 200) < 300 ms on Node', 'ms', 0),
  ]
}
