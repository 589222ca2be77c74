/**
 * @module Audit trail writer: fire-and-forget appends to the backend's bounded log, and one log line per entry. Never
 * given tokens.
 *
 * Repeated authentication failures are aggregated (issue 9 finding 3: one address's 5,695 failures in 5 s evicted every
 * other event from the 1,000-entry trail and wrote as many log lines). The first failure per address and reason is
 * written at once; further ones within the next minute become one entry with `count` once the minute is over (at the
 * next failure of that address or the next cleanup pass, `flushDue`: no timer per window). At most MAX_WINDOWS addresses
 * are followed at a time; failures from further addresses share one window per reason, written with no address. So
 * failures add at most a few hundred entries a minute, whatever their number.
 */
import { addressKey } from '../auth/failure-gate.js'
import type { Logger } from '../lib/logger.js'
import type { Clock } from '../lib/clock.js'
import type { AuditEvent, AuditLog } from '../storage/types.js'

export interface AuditFields {
  userId: string | null
  roomId: string | null
  reason: string | null
  remoteAddress: string | null
}

export type AuditFn = (event: AuditEvent['event'], fields: AuditFields) => void

/** The writer; `flushDue` writes the summaries of windows a minute old (cleanup), `flush` all of them (shutdown). */
export type Audit = AuditFn & { flushDue(now: number): void; flush(): void }

const WINDOW_MS = 60_000
const MAX_WINDOWS = 100

interface Window {
  /** Failures since the first one, which was written already (the overflow window wrote none). */
  repeats: number
  reason: string | null
  remoteAddress: string | null
  openedAt: number
}

export function createAudit(log: AuditLog, clock: Clock, logger: Logger, instanceId: string): Audit {
  const windows = new Map<string, Window>()
  const overflow = new Map<string, Window>()

  const write = (event: AuditEvent['event'], fields: AuditFields, count?: number) => {
    const entry: AuditEvent = { time: clock.now(), event, instanceId, ...fields, ...(count === undefined ? {} : { count }) }
    logger.info(`audit ${event}`, { ...fields, ...(count === undefined ? {} : { count }) })
    log.append(entry).catch((err) => logger.warn('audit append failed', { err }))
  }

  function close(map: Map<string, Window>, key: string) {
    const w = map.get(key)
    if (!w) return
    map.delete(key)
    if (w.repeats > 0) write('auth_failure', { userId: null, roomId: null, reason: w.reason, remoteAddress: w.remoteAddress }, w.repeats)
  }

  function open(map: Map<string, Window>, key: string, reason: string | null, remoteAddress: string | null, repeats: number) {
    map.set(key, { repeats, reason, remoteAddress, openedAt: clock.now() })
  }

  const due = (w: Window, now: number) => now - w.openedAt >= WINDOW_MS

  function flushDue(now: number) {
    for (const [key, w] of windows) if (due(w, now)) close(windows, key)
    for (const [key, w] of overflow) if (due(w, now)) close(overflow, key)
  }

  function failure(fields: AuditFields) {
    const key = `${fields.remoteAddress === null ? '' : addressKey(fields.remoteAddress)}|${fields.reason ?? ''}`
    const seen = windows.get(key)
    if (seen && due(seen, clock.now())) close(windows, key)
    else if (seen) return void seen.repeats++
    if (windows.size < MAX_WINDOWS) {
      write('auth_failure', fields)
      return open(windows, key, fields.reason, fields.remoteAddress, 0)
    }
    const reasonKey = fields.reason ?? ''
    const shared = overflow.get(reasonKey)
    if (shared && !due(shared, clock.now())) return void shared.repeats++
    if (shared) close(overflow, reasonKey)
    open(overflow, reasonKey, fields.reason, null, 1)
  }

  const audit: AuditFn = (event, fields) => (event === 'auth_failure' ? failure(fields) : write(event, fields))
  return Object.assign(audit, {
    flushDue,
    flush() {
      for (const key of [...windows.keys()]) close(windows, key)
      for (const key of [...overflow.keys()]) close(overflow, key)
    },
  })
}
