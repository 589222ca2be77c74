/** @module Conformance: the bounded audit trail and token-use records. */
import { expect } from 'vitest'
import type { AuditEvent } from '../../../src/storage/types.js'
import { sweepAt, T0, type Define } from './fixtures.js'

const event = (i: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  time: T0 + i,
  event: 'join',
  userId: `u${i}`,
  roomId: 'r1',
  reason: null,
  remoteAddress: null,
  instanceId: 'a',
  ...over,
})

/** Resolves once `deadline` (epoch ms) has passed on the wall clock. Polls; never a fixed sleep. */
async function untilPassed(deadline: number) {
  while (Date.now() <= deadline) await new Promise((r) => setTimeout(r, 10))
}

export function recordTests(test: Define) {
  test('the audit trail keeps at most its capacity, newest first, and list(limit) bounds the answer', async (w) => {
    const a = await w.instance('a', { auditCapacity: 10 })
    expect(await a.audit.list(100)).toEqual([])
    for (let i = 0; i < 15; i++) await a.audit.append(event(i))
    const all = await a.audit.list(100)
    expect(all.map((e) => e.time - T0)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5])
    expect((await a.audit.list(3)).map((e) => e.time - T0)).toEqual([14, 13, 12])
  })

  test('an audit event round-trips unchanged and is visible to every instance', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const full = event(1, { event: 'auth_failure', userId: null, roomId: 'r9', reason: 'token_expired', remoteAddress: '203.0.113.7' })
    await a.audit.append(full)
    await b.audit.append(event(2, { event: 'room_deleted', userId: null, reason: 'empty', instanceId: 'b' }))
    expect((await a.audit.list(10))[1]).toEqual(full)
    expect((await b.audit.list(10)).map((e) => e.event)).toEqual(['room_deleted', 'auth_failure'])
  })

  test('token uses are counted per jti, across instances', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const exp = Date.now() + 60_000
    expect(await a.tokens.recordUse('jti-1', exp)).toBe(1)
    expect(await b.tokens.recordUse('jti-1', exp)).toBe(2)
    expect(await a.tokens.recordUse('jti-1', exp)).toBe(3)
    expect(await a.tokens.recordUse('jti-2', exp)).toBe(1)
  })

  test('a token use is forgotten once the token has expired', async (w) => {
    const a = await w.instance('a')
    // Token expiry is wall-clock time (a JWT's exp); the sweep at a later `now` lets an adapter forget it either way.
    const exp = Date.now() + 150
    expect(await a.tokens.recordUse('jti-1', exp)).toBe(1)
    expect(await a.tokens.recordUse('jti-1', exp)).toBe(2)
    await untilPassed(exp)
    await sweepAt(a, Date.now())
    expect(await a.tokens.recordUse('jti-1', exp)).toBe(1)
  })
}
