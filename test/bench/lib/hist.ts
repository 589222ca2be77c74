/**
 * @module Log-linear latency histogram in microseconds (about 0.4% relative precision), mergeable
 * across worker processes by adding counts. Plain data so it crosses IPC as JSON.
 */

/** Values below this are exact; above, each power of two is split into SUB buckets. */
const LINEAR = 512
const SUB = 256

export interface Hist {
  counts: Record<number, number>
  n: number
  max: number
}

export const newHist = (): Hist => ({ counts: {}, n: 0, max: 0 })

function indexOf(us: number): number {
  const v = Math.max(0, Math.round(us))
  if (v < LINEAR) return v
  const exp = Math.floor(Math.log2(v))
  const base = 2 ** exp
  return LINEAR + (exp - Math.log2(LINEAR)) * SUB + Math.floor(((v - base) / base) * SUB)
}

function valueOf(index: number): number {
  if (index < LINEAR) return index
  const k = index - LINEAR
  const base = LINEAR * 2 ** Math.floor(k / SUB)
  return base + ((k % SUB) + 0.5) * (base / SUB)
}

export function record(h: Hist, us: number) {
  const i = indexOf(us)
  h.counts[i] = (h.counts[i] ?? 0) + 1
  h.n++
  if (us > h.max) h.max = us
}

export function merge(into: Hist, from: Hist) {
  for (const [k, c] of Object.entries(from.counts)) into.counts[Number(k)] = (into.counts[Number(k)] ?? 0) + c
  into.n += from.n
  into.max = Math.max(into.max, from.max)
}

/** The q-quantile (0..1) in microseconds, or null for an empty histogram. */
export function quantile(h: Hist, q: number): number | null {
  if (h.n === 0) return null
  const rank = Math.ceil(q * h.n)
  let seen = 0
  const keys = Object.keys(h.counts).map(Number).sort((a, b) => a - b)
  for (const k of keys) {
    seen += h.counts[k] ?? 0
    if (seen >= rank) return Math.min(valueOf(k), h.max)
  }
  return h.max
}
