/**
 * @module The Scheduler of a room object. Periodic work (cleanup: idle sockets, empty and inactive rooms) runs from the
 * object's alarm, which wakes a hibernated object, so that an idle room holds no timer and can sleep. One-shot timers
 * (an auth deadline, a reconnect grace, a resume hand-over: seconds each) use the platform's timers: what they guard
 * lives only in the object's memory, and a pending timer keeps the object awake until it has run, which is the point.
 */
import type { Scheduler, Timer } from '../../lib/scheduler.js'
import type { DurableObjectStorage } from './platform.js'

interface Periodic {
  period: number
  next: number
  fn: () => void
  cancelled: boolean
}

export class AlarmScheduler implements Scheduler {
  private readonly periodic = new Set<Periodic>()

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly onError: (err: unknown) => void,
  ) {}

  now() {
    return Date.now()
  }

  after(ms: number, fn: () => void): Timer {
    return this.add(ms, fn, 0)
  }

  every(ms: number, fn: () => void): Timer {
    return this.add(ms, fn, Math.max(1, ms))
  }

  private add(ms: number, fn: () => void, period: number): Timer {
    const p: Periodic = { period, next: this.now() + Math.max(0, ms), fn, cancelled: false }
    this.periodic.add(p)
    this.arm()
    return {
      cancel: () => {
        p.cancelled = true
        this.periodic.delete(p)
        this.arm()
      },
    }
  }

  /** The object's `alarm()`: runs what is due, then sets the alarm for what comes next. */
  fire() {
    const now = this.now()
    for (const p of [...this.periodic]) {
      if (p.cancelled || p.next > now) continue
      if (p.period > 0) p.next = now + p.period
      else this.periodic.delete(p)
      try {
        p.fn()
      } catch (err) {
        this.onError(err)
      }
    }
    this.arm()
  }

  /** Periodic tasks registered (none: the alarm is off). */
  get size() {
    return this.periodic.size
  }

  private arm() {
    let next = Number.POSITIVE_INFINITY
    for (const p of this.periodic) next = Math.min(next, p.next)
    const set = next === Number.POSITIVE_INFINITY ? this.storage.deleteAlarm() : this.storage.setAlarm(next)
    set.catch(this.onError)
  }
}
