/** @module Conformance: health, idempotent close, and StoreError from every method after close. */
import { expect } from 'vitest'
import { channels, StoreError, type Backend } from '../../../src/storage/types.js'
import { join, peer, sweepAt, T0, type Define } from './fixtures.js'

const anEvent = { time: T0, event: 'join', userId: null, roomId: null, reason: null, remoteAddress: null, instanceId: 'a' } as const

/** One call of every port method. */
const everyMethod = (b: Backend): [string, () => Promise<unknown>][] => [
  ['rooms.join', () => join(b, peer('r1', 'alice'))],
  ['rooms.leave', () => b.rooms.leave('r1', 'alice', 'alice-c1', T0)],
  ['rooms.getRoom', () => b.rooms.getRoom('r1', T0)],
  ['rooms.listRooms', () => b.rooms.listRooms(T0)],
  ['rooms.counts', () => b.rooms.counts()],
  ['rooms.listPeers', () => b.rooms.listPeers('r1', T0)],
  ['rooms.touchRoom', () => b.rooms.touchRoom('r1', T0)],
  ['rooms.renewLeases', () => b.rooms.renewLeases('a', T0 + 1000)],
  ['rooms.deleteRoom', () => b.rooms.deleteRoom('r1')],
  ['rooms.sweep', () => sweepAt(b, T0)],
  ['audit.append', () => b.audit.append(anEvent)],
  ['audit.list', () => b.audit.list(10)],
  ['tokens.recordUse', () => b.tokens.recordUse('jti', Date.now() + 60_000)],
  ['bus.publish', () => b.bus.publish(channels.room('r1'), { kind: 'room-closed', origin: 'a', roomId: 'r1', reason: 'x' })],
  ['bus.subscribe', () => b.bus.subscribe(channels.room('r1'), () => undefined)],
]

export function lifecycleTests(test: Define) {
  test('health is ok while open and not ok after close', async (w) => {
    const a = await w.instance('a')
    expect(await a.health()).toMatchObject({ ok: true })
    await a.close()
    expect(await a.health()).toMatchObject({ ok: false })
  })

  test('close is idempotent, also when called concurrently', async (w) => {
    const a = await w.instance('a')
    await Promise.all([a.close(), a.close()])
    await expect(a.close()).resolves.toBeUndefined()
  })

  test('every method rejects with StoreError after close', async (w) => {
    const a = await w.instance('a')
    await a.close()
    for (const [name, call] of everyMethod(a)) {
      const outcome = await call().then(
        () => 'resolved',
        (err: unknown) => (err instanceof StoreError ? 'StoreError' : `other error: ${String(err)}`),
      )
      expect(outcome, name).toBe('StoreError')
    }
  })
}
