/**
 * @module The one source of time and timers for the core. Everything that waits (auth deadlines, reconnect grace,
 * cleanup, lease renewal, memory checks) asks an injected Scheduler, never `setTimeout`/`setInterval` directly, so a
 * runtime that must not hold intervals (a Durable Object wakes by alarms) can drive them, and tests can move time.
 */
import type { Clock } from './clock.js'

/** A scheduled callback; cancel is idempotent. */
export interface Timer {
  cancel(): void
}

export interface Scheduler extends Clock {
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Timer
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer
}

type Handle = { unref?: () => void }

/**
 * Wall clock and the platform's timers. Timers are unref'd: they never keep a process alive on their own (the
 * listening socket does that); a runtime without `unref` ignores it.
 */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms)
    ;(t as Handle).unref?.()
    return { cancel: () => clearTimeout(t) }
  },
  every(ms, fn) {
    const t = setInterval(fn, ms)
    ;(t as Handle).unref?.()
    return { cancel: () => clearInterval(t) }
  },
}

interface Pending {
  at: number
  seq: number
  fn: () => void
  /** Repeat period for `every`; 0 for `after`. */
  period: number
  cancelled: boolean
}

export interface ManualScheduler extends Scheduler {
  /** Moves time forward by `ms`, running every timer that falls due, in due order (ties in creation order). */
  advance(ms: number): void
  /** Timers not yet run or cancelled. */
  readonly pending: number
}

/** A scheduler whose time moves only when a test calls `advance`. */
export function createManualScheduler(start = 0): ManualScheduler {
  let now = start
  let seq = 0
  const timers: Pending[] = []
  const add = (ms: number, fn: () => void, period: number): Timer => {
    const p: Pending = { at: now + Math.max(0, ms), seq: seq++, fn, period, cancelled: false }
    timers.push(p)
    return { cancel: () => void (p.cancelled = true) }
  }
  const nextDue = (until: number): Pending | undefined => {
    let best: Pending | undefined
    for (const t of timers) if (!t.cancelled && t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t
    return best
  }
  return {
    now: () => now,
    after: (ms, fn) => add(ms, fn, 0),
    every: (ms, fn) => add(ms, fn, Math.max(1, ms)),
    advance(ms) {
      const until = now + ms
      for (let t = nextDue(until); t; t = nextDue(until)) {
        now = t.at
        if (t.period > 0) t.at += t.period
        else t.cancelled = true
        t.fn()
      }
      now = until
      for (let i = timers.length - 1; i >= 0; i--) if (timers[i]!.cancelled) timers.splice(i, 1)
    },
    get pending() {
      return timers.filter((t) => !t.cancelled).length
    },
  }
}
