/**
 * @module What a frame costs against the sender's message rate (issue 9 findings 6 and 11): invalid frames are not
 * free, and an untargeted signal is charged once per receiver.
 */
import { describe, expect, it } from 'vitest'
import { createWorld, flush, offer } from './fixtures.js'

describe('invalid frames count against the message rate (finding 6)', () => {
  it('a socket that keeps its invalid streak short with a valid frame now and then is still closed by the rate (4008)', async () => {
    const w = await createWorld({ env: { MESSAGE_RATE: '10', MESSAGE_BURST: '50' } })
    const alice = await w.join('alice', 'r1')
    const junk = `{"type":"sdp-offer","data":${JSON.stringify('x'.repeat(60_000))}}`
    // Five invalid frames, then a heartbeat: the streak never reaches ten; the clock does not move.
    for (let round = 0; round < 40 && alice.socket.closed === null; round++) {
      for (let i = 0; i < 5; i++) alice.send(junk)
      alice.send({ type: 'heartbeat' })
    }
    expect(alice.socket.closed?.code).toBe(4008)
    expect(alice.errorCodes().filter((c) => c === 'rate_limited')).toHaveLength(2)
    // Frames past the budget are dropped before they are parsed: none of them was answered.
    expect(alice.errorCodes().filter((c) => c === 'invalid_message').length).toBeLessThanOrEqual(50)
    expect(w.metrics.rejectedFrames.rate_limited).toBeGreaterThan(50)
  })

  it('a frame that fits the budget is still answered as before, invalid or not', async () => {
    const w = await createWorld({ env: { MESSAGE_RATE: '1', MESSAGE_BURST: '3' } })
    const alice = await w.join('alice', 'r1')
    alice.fresh()
    alice.send('{nope')
    alice.send({ type: 'ping' })
    alice.send('{nope')
    alice.send({ type: 'ping' })
    expect(alice.fresh().map((f) => f.data?.code ?? f.type)).toEqual(['invalid_message', 'pong', 'invalid_message', 'rate_limited'])
  })
})

describe('broadcasts are charged by their fan-out (finding 11)', () => {
  it('an untargeted signal to 4 others costs 4: with a burst of 20, the 6th is refused; targeted ones cost 1', async () => {
    const w = await createWorld({ env: { MESSAGE_RATE: '1', MESSAGE_BURST: '20' } })
    const alice = await w.join('alice', 'r1')
    const others = [await w.join('bob', 'r1'), await w.join('carol', 'r1'), await w.join('dave', 'r1'), await w.join('erin', 'r1')]
    await flush()
    for (const c of others) c.fresh()
    alice.fresh()
    for (let i = 0; i < 8; i++) alice.send(offer(null, `b${i}`))
    expect(others.map((c) => c.fresh().filter((f) => f.type === 'sdp-offer').length)).toEqual([5, 5, 5, 5])
    expect(alice.fresh().map((f) => f.data?.code)).toEqual(['rate_limited'])
    // Refilled by 4 tokens: four targeted offers pass, one each.
    w.scheduler.advance(4000)
    for (const c of others) alice.send(offer(c.conn.userId))
    expect(others.map((c) => c.fresh().filter((f) => f.type === 'sdp-offer').length)).toEqual([1, 1, 1, 1])
    expect(alice.socket.closed).toBeNull()
  })

  it('a broadcast in a room of one costs one token like any frame', async () => {
    const w = await createWorld({ env: { MESSAGE_RATE: '1', MESSAGE_BURST: '3' } })
    const alice = await w.join('alice', 'r1')
    alice.fresh()
    for (let i = 0; i < 4; i++) alice.send(offer(null))
    expect(alice.fresh().map((f) => f.data?.code)).toEqual(['rate_limited'])
  })
})
