/** @module Registry: sockets by our own id, the per-address tally admission reads, the connection gauge. */
import { describe, expect, it } from 'vitest'
import { createWorld, flush } from './fixtures.js'

describe('Registry', () => {
  it('counts sockets per address while they are open, and forgets each once', async () => {
    const w = await createWorld()
    const { registry } = w.signaling
    const a = w.connect('10.0.0.7')
    const b = w.connect('10.0.0.7')
    w.connect('10.0.0.8')
    expect([registry.size, registry.from('10.0.0.7'), registry.from('10.0.0.8'), w.metrics.connections.value]).toEqual([3, 2, 1, 3])
    expect(registry.get(a.conn.id)).toBe(a.conn)
    a.closeWith(1000)
    a.closeWith(1000)
    b.closeWith(1000)
    expect([registry.size, registry.from('10.0.0.7'), w.metrics.connections.value]).toEqual([1, 0, 1])
    expect(registry.get(a.conn.id)).toBeUndefined()
  })

  it('an away peer no longer counts as a connection of its address', async () => {
    const w = await createWorld()
    const alice = await w.join('alice', 'r1')
    alice.drop()
    await flush()
    expect([w.signaling.registry.size, w.signaling.registry.from('10.0.0.1'), w.signaling.away.size]).toEqual([0, 0, 1])
  })
})
