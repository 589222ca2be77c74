/**
 * @module Conformance: every rule of the SignalBus port (src/storage/bus.ts), one test or more each, on every adapter.
 * Absence is proven with a later marker message, never with a sleep.
 */
import { expect } from 'vitest'
import { encodeBatch, encodeEnvelope } from '../../../src/storage/bus-codec.js'
import { channels, StoreError, type BusEnvelope } from '../../../src/storage/types.js'
import { peer, type BackendWorld, type Define } from './fixtures.js'

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

const relay = (origin: string, frame: string, roomId = 'r1'): BusEnvelope => ({ kind: 'relay', origin, roomId, target: null, sender: 'alice', frame })
const marker = (origin: string, reason: string): BusEnvelope => ({ kind: 'room-closed', origin, roomId: 'r1', reason })

const everyKind = (origin: string): BusEnvelope[] => [
  { kind: 'relay', origin, roomId: 'r1', target: 'bob', sender: 'alice', frame: '{"type":"ice","data":{"candidate":"c ü \\" 😀\\t\\n"}}' },
  { kind: 'relay', origin, roomId: 'r1', target: null, sender: 'alice', frame: 'raw\ttabs\nand newlines are the frame\'s business' },
  { kind: 'relay', origin, roomId: 'r1', target: 'bob', sender: 'alice', frame: '' },
  { kind: 'joined', origin, peer: peer('r1', 'alice'), replaced: peer('r1', 'alice', { connectionId: 'alice-c0' }) },
  { kind: 'joined', origin, peer: peer('r1', 'bob'), replaced: null },
  { kind: 'left', origin, peer: peer('r1', 'alice', { instanceId: 'b' }), reason: 'expired' },
  { kind: 'close', origin, roomId: 'r1', connectionId: 'alice-c1', code: 'replaced' },
  { kind: 'room-closed', origin, roomId: 'r1', reason: 'inactive' },
  { kind: 'resumed', origin, peer: peer('r1', 'alice', { connectionId: 'alice-c2' }), previous: peer('r1', 'alice', { instanceId: 'b' }) },
  { kind: 'handover', origin, roomId: 'r1', userId: 'alice', connectionId: 'alice-c2', frames: ['{"a":1}', 'two\tthree'] },
]

/** A collector on instance `id`, subscribed to room r1's channel. */
async function listening(w: BackendWorld, id: string) {
  const at = collector()
  await (await w.instance(id)).bus.subscribe(channels.room('r1'), at.handler)
  return at
}

export function busTests(test: Define) {
  test('rule 1: every envelope kind arrives decoded and unchanged, whatever its frame holds', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const atB = collector()
    await b.bus.subscribe(channels.room('r1'), atB.handler)
    const sent = everyKind('a')
    for (const e of sent) await a.bus.publish(channels.room('r1'), e)
    await atB.count(sent.length)
    expect(atB.got).toEqual(sent)
  })

  test('rule 1: text that does not decode is dropped, and delivery goes on', async (w) => {
    if (!w.publishText) return
    const atB = await listening(w, 'b')
    for (const text of ['not json', '{"kind":"relay","origin":"x"}', 'R\tx\tr1\t\t', 'R\t\tr1\t\talice\t{}', '{"kind":"nope","origin":"x"}']) {
      await w.publishText(channels.room('r1'), text)
    }
    await w.publishText(channels.room('r1'), encodeEnvelope(marker('x', 'valid')))
    await atB.count(1)
    expect(atB.got).toEqual([marker('x', 'valid')])
  })

  test('rule 1: envelopes published back to back arrive in publish order on each channel, newline frames included', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const inRoom = collector()
    const toB = collector()
    await b.bus.subscribe(channels.room('r1'), inRoom.handler)
    await b.bus.subscribe(channels.instance('b'), toB.handler)
    const roomSent: BusEnvelope[] = []
    const toBSent: BusEnvelope[] = []
    const published: Promise<void>[] = []
    // No await between publishes: an adapter may send them together, never out of order nor fewer.
    for (let i = 0; i < 30; i++) {
      const e = i % 7 === 3 ? relay('a', `line ${i}\nbreak`) : i % 5 === 0 ? marker('a', `m${i}`) : relay('a', `{"n":${i}}`)
      const direct = { ...relay('a', `{"to":${i}}`), target: 'bob' } as BusEnvelope
      roomSent.push(e)
      toBSent.push(direct)
      published.push(a.bus.publish(channels.room('r1'), e), a.bus.publish(channels.instance('b'), direct))
    }
    await Promise.all(published)
    await inRoom.count(roomSent.length)
    await toB.count(toBSent.length)
    expect(inRoom.got).toEqual(roomSent)
    expect(toB.got).toEqual(toBSent)
  })

  test('rule 1: a batched message is its envelopes, in order', async (w) => {
    if (!w.publishText) return
    const atB = await listening(w, 'b')
    const sent = [relay('x', '{"n":1}'), marker('x', 'between'), relay('x', '{"n":2}')]
    await w.publishText(channels.room('r1'), encodeBatch(sent.map(encodeEnvelope)))
    await atB.count(sent.length)
    expect(atB.got).toEqual(sent)
  })

  test('rule 1: an id the relay header cannot carry is refused at publish', async (w) => {
    const a = await w.instance('a')
    await expect(a.bus.publish(channels.room('r1'), { ...relay('a', '{}'), sender: 'al\tice' } as BusEnvelope)).rejects.toBeInstanceOf(StoreError)
  })

  test('rule 2: an envelope reaches the other instances and never echoes to its publisher', async (w) => {
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

  test('rule 3: no handler runs inside publish', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    let publishing = false
    const seenWhilePublishing: boolean[] = []
    const atB = collector()
    await b.bus.subscribe(channels.room('r1'), () => undefined)
    await b.bus.subscribe(channels.instance('b'), (e) => {
      seenWhilePublishing.push(publishing)
      atB.handler(e)
    })
    publishing = true
    const sent = a.bus.publish(channels.instance('b'), relay('a', 'one'))
    publishing = false
    await sent
    await atB.count(1)
    expect(seenWhilePublishing).toEqual([false])
  })

  test('rule 4: one instance`s envelopes arrive in publish order, across channels', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const atB = collector()
    await b.bus.subscribe(channels.room('r1'), atB.handler)
    await b.bus.subscribe(channels.instance('b'), atB.handler)
    const sent: BusEnvelope[] = []
    const publishes: Promise<void>[] = []
    for (let i = 0; i < 40; i++) {
      const e = relay('a', String(i))
      sent.push(e)
      // Not awaited one by one: order must hold for publishes in flight together, as the relay path issues them.
      publishes.push(a.bus.publish(i % 2 === 0 ? channels.room('r1') : channels.instance('b'), e))
    }
    await Promise.all(publishes)
    await atB.count(sent.length)
    expect(atB.got).toEqual(sent)
  })

  test('rule 5: an envelope published while nobody listens is not delivered later', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    await a.bus.publish(channels.room('r1'), marker('a', 'before anyone listened'))
    const atB = collector()
    await b.bus.subscribe(channels.room('r1'), atB.handler)
    await a.bus.publish(channels.room('r1'), marker('a', 'after'))
    await atB.count(1)
    expect(atB.got).toEqual([marker('a', 'after')])
  })

  test('rule 6: a relay nobody else received is refused; other kinds are not', async (w) => {
    const a = await w.instance('a')
    await expect(a.bus.publish(channels.instance('nobody'), relay('a', '{}'))).rejects.toBeInstanceOf(StoreError)
    await a.bus.subscribe(channels.room('r1'), () => undefined)
    await expect(a.bus.publish(channels.room('r1'), relay('a', '{}'))).rejects.toBeInstanceOf(StoreError)
    await expect(a.bus.publish(channels.room('r1'), marker('a', 'fine'))).resolves.toBeUndefined()
    await expect(a.bus.publish(channels.instance('nobody'), marker('a', 'fine'))).resolves.toBeUndefined()
    const b = await w.instance('b')
    await b.bus.subscribe(channels.room('r1'), () => undefined)
    await expect(a.bus.publish(channels.room('r1'), relay('a', '{}'))).resolves.toBeUndefined()
  })

  test('rule 7: every handler of an instance receives, and unsubscribe stops delivery to that handler only', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const first = collector()
    const second = collector()
    await b.bus.subscribe(channels.room('r1'), () => undefined)
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

  test('rule 9: an instance channel reaches its instance only for rooms it subscribes to', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const atB = collector()
    await b.bus.subscribe(channels.instance('b'), atB.handler)
    await expect(a.bus.publish(channels.instance('b'), relay('a', 'no room yet'))).rejects.toBeInstanceOf(StoreError)
    const offRoom = await b.bus.subscribe(channels.room('r1'), () => undefined)
    await a.bus.publish(channels.instance('b'), relay('a', 'in r1'))
    await expect(a.bus.publish(channels.instance('b'), relay('a', 'in r2', 'r2'))).rejects.toBeInstanceOf(StoreError)
    await atB.count(1)
    await offRoom()
    expect(atB.got.map((e) => (e.kind === 'relay' ? e.frame : e.kind))).toEqual(['in r1'])
  })

  test('rule 7: an unsubscribed channel delivers nothing while other channels still do', async (w) => {
    const a = await w.instance('a')
    const b = await w.instance('b')
    const room = collector()
    const other = collector()
    const off = await b.bus.subscribe(channels.room('r1'), room.handler)
    await b.bus.subscribe(channels.room('r2'), other.handler)
    await off()
    await a.bus.publish(channels.room('r1'), marker('a', 'gone'))
    await a.bus.publish(channels.room('r2'), { kind: 'room-closed', origin: 'a', roomId: 'r2', reason: 'marker' })
    await other.count(1)
    expect(room.got).toEqual([])
  })
}
