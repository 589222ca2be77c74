/** @module Audit trail writer: fire-and-forget appends to the backend's bounded log. Never given tokens. */
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { AuditEvent, AuditLog } from '../storage/types.js'

export type AuditFn = (
  event: AuditEvent['event'],
  fields: { userId: string | null; roomId: string | null; reason: string | null; remoteAddress: string | null },
) => void

export function createAudit(log: AuditLog, clock: Clock, logger: Logger, instanceId: string): AuditFn {
  return (event, fields) => {
    const entry: AuditEvent = { time: clock.now(), event, instanceId, ...fields }
    logger.info(`audit ${event}`, { ...fields })
    log.append(entry).catch((err) => logger.warn('audit append failed', { err }))
  }
}
