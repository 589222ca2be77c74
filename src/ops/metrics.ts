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
  /** The /yjs endpoint (the y-webrtc dialect), counted apart from /ws. */
  yjs: YjsMetrics
  /** Called about once a second; keeps a short history for rates. */
  sample(): void
  /** Relayed messages per second over the last minute. */
  relayRate(): number
}

export interface YjsMetrics {
  /** Upgrades refused by the token check or the room capacity check, by code (after the shared admission). */
  refused: Record<string, number>
  /** Subscriptions the store took (a subscriber entered its room), and ones that ended. */
  joins: number
  leaves: number
  publishes: number
  /** Frames written to subscribers on behalf of publishes (here; a remote instance counts its own). */
  deliveries: number
  /** Publishes not passed on, by reason: other_topic (not the token's room), not_subscribed. */
  dropped: Record<string, number>
  /** Topics in subscribe frames other than the token's room, skipped (a page subscribes to all of its rooms). */
  ignoredTopics: number
  /** Rejected frames by code (invalid_message, unknown_type, rate_limited, binary_unsupported). */
  rejectedFrames: Record<string, number>
  /** Publishes the bus could not hand to another instance although the roster named one (it left or crashed). */
  relayFailures: number
}

const counts = () => Object.create(null) as Record<string, number>

export const createYjsMetrics = (): YjsMetrics => ({
  refused: counts(),
  joins: 0,
  leaves: 0,
  publishes: 0,
  deliveries: 0,
  dropped: counts(),
  ignoredTopics: 0,
  rejectedFrames: counts(),
  relayFailures: 0,
})

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
    yjs: createYjsMetrics(),
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
