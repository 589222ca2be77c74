/** @module Audit trail (a capped stream) and token-use records (a counter that expires with the token) in Redis. */
import type { RedisClientLike, ScriptRunner } from './redis-client.js'
import type { RedisKeys } from './redis-keys.js'
import { asArray, toNumber } from './redis-replies.js'
import { AuditEventSchema, type AuditEvent, type AuditLog, type TokenUseStore } from './types.js'

export interface RecordDeps {
  cmd: RedisClientLike
  run: ScriptRunner
  keys: RedisKeys
  auditCapacity: number
  op: <T>(what: string, fn: () => Promise<T>) => Promise<T>
}

/** The `e` field of one stream entry ([id, [field, value, ...]]), parsed; null when it is not a valid event. */
function eventOf(entry: unknown): AuditEvent | null {
  if (!Array.isArray(entry) || !Array.isArray(entry[1])) return null
  const fields: unknown[] = entry[1]
  const at = fields.indexOf('e')
  const raw = at >= 0 ? fields[at + 1] : undefined
  if (typeof raw !== 'string') return null
  try {
    const parsed = AuditEventSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/**
 * Approximate trimming (MAXLEN ~) keeps XADD O(1); the stream may hold a few entries more than the capacity,
 * which `list` never returns, so the capacity holds as callers see it.
 */
export function createRedisAudit(d: RecordDeps): AuditLog {
  return {
    append: (event) =>
      d.op('audit append', async () => {
        await d.cmd.call('XADD', d.keys.audit, 'MAXLEN', '~', d.auditCapacity, '*', 'e', JSON.stringify(event))
      }),
    list: (limit) =>
      d.op('audit list', async () => {
        const count = Math.max(0, Math.min(limit, d.auditCapacity))
        if (count === 0) return []
        const entries = asArray(await d.cmd.call('XREVRANGE', d.keys.audit, '+', '-', 'COUNT', count), 'XREVRANGE')
        return entries.map(eventOf).filter((e): e is AuditEvent => e !== null)
      }),
  }
}

/** A use is counted in one script; the key expires at the token's own `exp` (PEXPIREAT), so no sweep is needed. */
export function createRedisTokenUses(d: RecordDeps): TokenUseStore {
  return {
    recordUse: (jti, expiresAt) =>
      d.op('token use', async () => toNumber(await d.run('p2pTokenUse', [d.keys.tokenUse(jti)], [Math.floor(expiresAt)]))),
  }
}
