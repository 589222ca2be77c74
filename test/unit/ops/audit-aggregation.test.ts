/**
 * @module Issue 9 finding 3: repeated authentication failures cannot wipe the audit trail or flood the log: the first
 * failure per address and reason is written, the rest of the minute becomes one event with a count.
 */
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/lib/logger.js'
import { createManualScheduler } from '../../../src/lib/scheduler.js'
import { createAudit } from '../../../src/ops/audit.js'
import { createMemoryBackend } from '../../../src/storage/memory.js'

const T0 = 1_800_000_000_000

function setup(capacity = 50) {
  const scheduler = createManualScheduler(T0)
  const backend = createMemoryBackend({ instanceId: 'i1', auditCapacity: capacity })
  const lines: string[] = []
  const audit = createAudit(backend.audit, scheduler, createLogger('info', (l) => lines.push(l)), 'i1')
  const fail = (ip: string, reason = 'token_invalid') => audit('auth_failure', { userId: 'mallory', roomId: 'r', reason, remoteAddress: ip })
  const settle = () => new Promise((r) => setTimeout(r, 0))
  return { scheduler, backend, lines, audit, fail, settle }
}

describe('audit aggregation of authentication failures', () => {
  it('writes the first failure, folds 5,694 more into one counted event a minute later; earlier events survive', async () => {
    const { scheduler, backend, lines, audit, fail, settle } = setup(50)
    for (let i = 0; i < 20; i++) audit('join', { userId: `u${i}`, roomId: 'r', reason: null, remoteAddress: '198.51.100.1' })
    for (let i = 0; i < 5695; i++) fail('203.0.113.66')
    await settle()
    expect(lines.filter((l) => l.includes('auth_failure'))).toHaveLength(1)
    scheduler.advance(60_000)
    audit.flushDue(scheduler.now())
    await settle()
    const events = await backend.audit.list(50)
    const failures = events.filter((e) => e.event === 'auth_failure')
    expect(failures.map((e) => [e.remoteAddress, e.reason, e.count ?? 1])).toEqual([
      ['203.0.113.66', 'token_invalid', 5694],
      ['203.0.113.66', 'token_invalid', 1],
    ])
    expect(events.filter((e) => e.event === 'join')).toHaveLength(20)
    expect(lines.filter((l) => l.includes('auth_failure'))).toHaveLength(2)
    expect(scheduler.pending).toBe(0)
  })

  it('keeps addresses and reasons apart, and a quiet minute writes no summary', async () => {
    const { scheduler, backend, audit, fail, settle } = setup()
    fail('203.0.113.1')
    fail('203.0.113.2')
    fail('203.0.113.1', 'auth_timeout')
    fail('203.0.113.1')
    scheduler.advance(59_999)
    audit.flushDue(scheduler.now())
    await settle()
    expect(await backend.audit.list(50)).toHaveLength(3)
    scheduler.advance(1)
    audit.flushDue(scheduler.now())
    await settle()
    const events = (await backend.audit.list(50)).map((e) => [e.remoteAddress, e.reason, e.count ?? 1])
    expect(events).toEqual([
      ['203.0.113.1', 'token_invalid', 1],
      ['203.0.113.1', 'auth_timeout', 1],
      ['203.0.113.2', 'token_invalid', 1],
      ['203.0.113.1', 'token_invalid', 1],
    ])
  })

  it('past 100 open windows, failures from further addresses share one window (many addresses cannot flush the trail)', async () => {
    const { scheduler, backend, lines, audit, settle } = setup(1000)
    for (let i = 0; i < 5000; i++) audit('auth_failure', { userId: null, roomId: null, reason: 'token_invalid', remoteAddress: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` })
    scheduler.advance(60_000)
    audit.flushDue(scheduler.now())
    await settle()
    const events = await backend.audit.list(1000)
    expect(events.length).toBe(101)
    expect(events.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(5000)
    expect(events[0]).toMatchObject({ remoteAddress: null, reason: 'token_invalid', count: 4900 })
    expect(lines.length).toBeLessThanOrEqual(102)
  })

  it('a failure after the minute closes its window (summary) and opens a new one (written)', async () => {
    const { scheduler, backend, fail, settle } = setup()
    fail('203.0.113.9')
    fail('203.0.113.9')
    scheduler.advance(60_000)
    fail('203.0.113.9')
    await settle()
    expect((await backend.audit.list(10)).map((e) => e.count ?? 1)).toEqual([1, 1, 1])
  })

  it('flush writes the pending summaries at once and leaves no timer (shutdown)', async () => {
    const { scheduler, backend, audit, fail, settle } = setup()
    fail('203.0.113.9')
    fail('203.0.113.9')
    audit.flush()
    await settle()
    expect((await backend.audit.list(10)).map((e) => e.count ?? 1)).toEqual([1, 1])
    expect(scheduler.pending).toBe(0)
  })
})
