/**
 * @module Conformance: the SignalBus delivers to other instances only, stops after unsubscribe, and carries every
 * envelope kind unchanged. Absence is proven with a later marker message, never with a sleep.
 */
import { expect } from 'vitest'
import { channels, type BusEnvelope } from '../../../src/storage/types.js'
import { peer, type Define } from './fixtures.js'

function collector() {
  const got: BusEnvelope[] = []
  let waiters: (() => void)[] = []
  return {
    got,
    handler: (e: BusEnvelope) => {
      got.push(e)
      for (const w of waiters.splice(0)) w()
    },
    /** Resolves once `n` envelopes have arrived; rejects after `timeoutMs`. */
    async count(n: number, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs
      while (got.length < n) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`expected ${n} envelopes, got ${JSON.stringify(got)}`)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(t)
            resolve()
          })
        })
      }
      waiters = []
    },
  }
}

const relay = (origin: string, frame: string): BusEnvelope => ({ kind: 'relay', origin, roomId: 'r1', target: null, sender: 'alice', frame })

const everyKind = (origin: string): BusEnvelope[] => [
  { kind: 'relay', origin, roomId: 'r1', target: 'bob', sender: 'alice', frame: '{"type":"ice","data":{"candidate":"c ü \\" 😀"}}' },
  { kind: 'joined', origin, peer: peer('r1', 'alice'), replaced: true },
  { kind: 'left', origin, peer: peer('r1', 'alice', { instanceId: 'b' }), reason: 'expired' },
  { kind: 'close', origin, roomId: 'r1', connectionId: 'alice-c1', code: 'replaced' },
  { kind: 'room-closed', origin, roomId: 'r1', reason: 'inactive' },
]

export function busTests(test: Define) {
  test('a published envelope reaches the other instances and never echoes to its publisher', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const atA = collector()
    const atB = collector()
    await a.bus.subscribe(channels.room('r1'), atA.handler)
    await b.bus.subscribe(channels.room('r1'), atB.handler)
    await a.bus.publish(channels.room('r1'), relay('a', 'from a'))
    await atB.count(1)
    await b.bus.publish(channels.room('r1'), relay('b', 'marker from b'))
    await atA.count(1)
    expect(atA.got.map((e) => e.kind === 'relay' && e.frame)).toEqual(['marker from b'])
    expect(atB.got.map((e) => e.kind === 'relay' && e.frame)).toEqual(['from a'])
  })

  test('every handler of an instance receives, and unsubscribe stops delivery to that handler only', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const first = collector()
    const second = collector()
    const offFirst = await b.bus.subscribe(channels.instance('b'), first.handler)
    await b.bus.subscribe(channels.instance('b'), second.handler)
    await a.bus.publish(channels.instance('b'), relay('a', 'one'))
    await Promise.all([first.count(1), second.count(1)])
    await offFirst()
    await offFirst()
    await a.bus.publish(channels.instance('b'), relay('a', 'two'))
    await second.count(2)
    expect(first.got).toHaveLength(1)
  })

  test('an unsubscribed channel delivers nothing while other channels still do', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const room = collector()
    const marker = collector()
    const off = await b.bus.subscribe(channels.room('r1'), room.handler)
    await b.bus.subscribe(channels.room('r2'), marker.handler)
    await off()
    await a.bus.publish(channels.room('r1'), { kind: 'room-closed', origin: 'a', roomId: 'r1', reason: 'empty' })
    await a.bus.publish(channels.room('r2'), { kind: 'room-closed', origin: 'a', roomId: 'r2', reason: 'empty' })
    await marker.count(1)
    expect(room.got).toEqual([])
  })

  test('every envelope kind round-trips unchanged', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const atB = collector()
    await b.bus.subscribe(channels.room('r1'), atB.handler)
    const sent = everyKind('a')
    for (const e of sent) await a.bus.publish(channels.room('r1'), e)
    await atB.count(sent.length)
    expect(atB.got).toEqual(sent)
  })
}
