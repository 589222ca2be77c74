/**
 * @module Operation counters kept by the core as plain numbers (the relay path increments them per
 * message, so no map lookups or label hashing there). /api/stats reads them; the Node entry exposes
 * them in Prometheus format.
 */
import type { Clock } from '../lib/clock.js'

const RATE_WINDOW_MS = 60_000

export interface Metrics {
  connections: { value: number; inc(): void; dec(): void }
  /** Relayed signals by the type the sender used. */
  relayed: Record<string, number>
  relayedTotal: number
  /** Frames delivered to sockets on behalf of relays (one broadcast counts once per receiver). */
  deliveries: number
  authSuccesses: number
  authFailures: Record<string, number>
  rejectedFrames: Record<string, number>
  joins: number
  leaves: number
  /** Sessions taken over by a new socket within RECONNECT_GRACE. */
  resumes: number
  /** Away peers whose grace passed without a resume. */
  resumeExpiries: number
  /** Joins that displaced the same user's earlier socket. */
  replacements: number
  /** Called about once a second; keeps a short history for rates. */
  sample(): void
  /** Relayed messages per second over the last minute. */
  relayRate(): number
}

export function createMetrics(clock: Clock): Metrics {
  const samples: { at: number; total: number }[] = []
  const m: Metrics = {
    connections: {
      value: 0,
      inc() {
        this.value++
      },
      dec() {
        this.value--
      },
    },
    relayed: Object.create(null) as Record<string, number>,
    relayedTotal: 0,
    deliveries: 0,
    authSuccesses: 0,
    authFailures: Object.create(null) as Record<string, number>,
    rejectedFrames: Object.create(null) as Record<string, number>,
    joins: 0,
    leaves: 0,
    resumes: 0,
    resumeExpiries: 0,
    replacements: 0,
    sample() {
      const now = clock.now()
      samples.push({ at: now, total: m.relayedTotal })
      while (samples.length > 2 && now - samples[0]!.at > RATE_WINDOW_MS) samples.shift()
    },
    relayRate() {
      const first = samples[0]
      if (!first) return 0
      const dt = clock.now() - first.at
      return dt > 0 ? Math.round(((m.relayedTotal - first.total) * 1000 * 100) / dt) / 100 : 0
    },
  }
  return m
}

export const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1
}
