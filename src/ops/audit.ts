/**
 * @module Audit trail writer: fire-and-forget appends to the backend's bounded log, and one log line per entry. Never
 * given tokens.
 *
 * Repeated authentication failures are aggregated (issue 9 finding 3: one address's 5,695 failures in 5 s evicted every
 * other event from the 1,000-entry trail and wrote as many log lines). The first failure per address and reason is
 * written at once; further ones within the next minute become one entry with `count` when the minute ends. At most
 * MAX_WINDOWS addresses are followed at a time; failures from further addresses share one window per reason, written
 * with no address. So failures add at most a few hundred entries a minute, whatever their number.
 */
import { addressKey } from '../auth/failure-gate.js'
import type { Logger } from '../lib/logger.js'
import type { Scheduler, Timer } from '../lib/scheduler.js'
import type { AuditEvent, AuditLog } from '../storage/types.js'

export interface AuditFields {
  userId: string | null
  roomId: string | null
  reason: string | null
  remoteAddress: string | null
}

export type AuditFn = (event: AuditEvent['event'], fields: AuditFields) => void

/** The writer, and `flush` for shutdown: pending summaries are written at once and no timer is left. */
export type Audit = AuditFn & { flush(): void }

const WINDOW_MS = 60_000
const MAX_WINDOWS = 100

interface Window {
  /** Failures since the first one, which was written already (the overflow window wrote none). */
  repeats: number
  reason: string | null
  remoteAddress: string | null
  timer: Timer
}

export function createAudit(log: AuditLog, scheduler: Scheduler, logger: Logger, instanceId: string): Audit {
  const windows = new Map<string, Window>()
  const overflow = new Map<string, Window>()

  const write = (event: AuditEvent['event'], fields: AuditFields, count?: number) => {
    const entry: AuditEvent = { time: scheduler.now(), event, instanceId, ...fields, ...(count === undefined ? {} : { count }) }
    logger.info(`audit ${event}`, { ...fields, ...(count === undefined ? {} : { count }) })
    log.append(entry).catch((err) => logger.warn('audit append failed', { err }))
  }

  function close(map: Map<string, Window>, key: string) {
    const w = map.get(key)
    if (!w) return
    map.delete(key)
    w.timer.cancel()
    if (w.repeats > 0) write('auth_failure', { userId: null, roomId: null, reason: w.reason, remoteAddress: w.remoteAddress }, w.repeats)
  }

  function open(map: Map<string, Window>, key: string, reason: string | null, remoteAddress: string | null, repeats: number) {
    const timer = scheduler.after(WINDOW_MS, () => close(map, key))
    map.set(key, { repeats, reason, remoteAddress, timer })
  }

  function failure(fields: AuditFields) {
    const key = `${fields.remoteAddress === null ? '' : addressKey(fields.remoteAddress)}|${fields.reason ?? ''}`
    const seen = windows.get(key)
    if (seen) return void seen.repeats++
    if (windows.size < MAX_WINDOWS) {
      write('auth_failure', fields)
      return open(windows, key, fields.reason, fields.remoteAddress, 0)
    }
    const shared = overflow.get(fields.reason ?? '')
    if (shared) shared.repeats++
    else open(overflow, fields.reason ?? '', fields.reason, null, 1)
  }

  const audit: AuditFn = (event, fields) => (event === 'auth_failure' ? failure(fields) : write(event, fields))
  return Object.assign(audit, {
    flush() {
      for (const key of [...windows.keys()]) close(windows, key)
      for (const key of [...overflow.keys()]) close(overflow, key)
    },
  })
}
