/** @module Inbound: the first frame, frames held during auth, the message rate limit, invalid streaks, binary frames. */
import { describe, expect, it } from 'vitest'
import { createWorld, flush, offer, type Client } from './fixtures.js'

const closedWith = (c: Client) => [c.errorCodes(), c.socket.closed?.code]

describe('before the join', () => {
  it('refuses a first frame that is not auth: auth_required, 4001', async () => {
    const w = await createWorld()
    const c = w.connect()
    c.send({ type: 'heartbeat' })
    expect(closedWith(c)).toEqual([['auth_required'], 4001])
  })

  it('refuses a binary first frame: binary_unsupported, 1003', async () => {
    const w = await createWorld()
    const c = w.connect()
    c.send(new Uint8Array([1, 2, 3]))
    expect(closedWith(c)).toEqual([['binary_unsupported'], 1003])
  })

  it('holds frames sent during auth and runs them in order after the reply', async () => {
    const w = await createWorld()
    const bob = await w.join('bob', 'r1')
    bob.fresh()
    const alice = w.connect()
    await alice.sendAuth('alice', 'r1')
    alice.send(offer('bob', 'early'))
    alice.send({ type: 'ping' })
    alice.send({ type: 'heartbeat' })
    await alice.reply()
    await flush()
    expect(alice.frames.map((f) => f.type)).toEqual(['auth', 'pong', 'heartbeat'])
    expect(bob.fresh().map((f) => f.type)).toEqual(['peer-joined', 'sdp-offer'])
  })

  it('closes on the 33rd frame held during auth (rate_limited, 4008), and nothing joins', async () => {
    const w = await createWorld()
    const alice = w.connect()
    await alice.sendAuth('alice', 'r1')
    for (let i = 0; i < 32; i++) alice.send({ type: 'ping' })
    expect(alice.socket.closed).toBeNull()
    alice.send({ type: 'ping' })
    expect(closedWith(alice)).toEqual([['rate_limited'], 4008])
    await flush()
    expect(await w.peers('r1')).toEqual([])
    expect(alice.ofType('auth')).toEqual([])
  })

  it('closes on a binary frame held during auth (1003)', async () => {
    const w = await createWorld()
    const alice = w.connect()
    await alice.sendAuth('alice', 'r1')
    alice.send(new Uint8Array([0]))
    expect(closedWith(alice)).toEqual([['binary_unsupported'], 1003])
  })
})

describe('after the join', () => {
  async function joined(env: Record<string, string> = {}) {
    const w = await createWorld({ env })
    const alice = await w.join('alice', 'r1')
    alice.fresh()
    return { w, alice }
  }

  it('answers heartbeat and ping', async () => {
    const { w, alice } = await joined()
    alice.send({ type: 'heartbeat' })
    alice.send({ type: 'ping' })
    expect(alice.fresh()).toEqual([
      { type: 'heartbeat', roomId: 'r1', userId: 'alice', data: { status: 'ok' }, timestamp: w.scheduler.now() },
      { type: 'pong', timestamp: w.scheduler.now() },
    ])
  })

  it('answers leave-room, then closes with 1000', async () => {
    const { alice } = await joined()
    alice.send({ type: 'leave-room' })
    expect(alice.fresh().map((f) => `${f.type} ${String(f.data?.status)}`)).toEqual(['leave-room left'])
    expect(alice.socket.closed?.code).toBe(1000)
  })

  it('refuses a second auth: already_authenticated, 4003', async () => {
    const { alice } = await joined()
    await alice.sendAuth('alice', 'r1')
    expect(closedWith(alice)).toEqual([['already_authenticated'], 4003])
  })

  it('answers unknown_type and invalid_message without closing', async () => {
    const { alice } = await joined()
    alice.send({ type: 'teleport' })
    alice.send('{not json')
    alice.send({ type: 'sdp-offer', data: { type: 'offer' } })
    expect(alice.errorCodes()).toEqual(['unknown_type', 'invalid_message', 'invalid_message'])
    expect(alice.socket.closed).toBeNull()
  })

  it('closes on the 10th invalid frame in a row (too_many_invalid, 4000); a valid frame resets the streak', async () => {
    const { w, alice } = await joined()
    for (let i = 0; i < 9; i++) alice.send('nope')
    alice.send({ type: 'ping' })
    for (let i = 0; i < 9; i++) alice.send('nope')
    expect(alice.socket.closed).toBeNull()
    alice.send('nope')
    expect(alice.errorCodes().slice(-2)).toEqual(['invalid_message', 'too_many_invalid'])
    expect(alice.socket.closed?.code).toBe(4000)
    expect(w.metrics.rejectedFrames.invalid_message).toBe(19)
  })

  it('closes on a binary frame: binary_unsupported, 1003', async () => {
    const { alice } = await joined()
    alice.send(new Uint8Array([1]))
    expect(closedWith(alice)).toEqual([['binary_unsupported'], 1003])
  })

  it('drops frames over the rate with one rate_limited error, and closes past MESSAGE_BURST dropped in a row (4008)', async () => {
    const { w, alice } = await joined({ MESSAGE_BURST: '3', MESSAGE_RATE: '1' })
    for (let i = 0; i < 3; i++) alice.send({ type: 'ping' })
    expect(alice.fresh().map((f) => f.type)).toEqual(['pong', 'pong', 'pong'])
    for (let i = 0; i < 3; i++) alice.send({ type: 'ping' })
    expect(alice.fresh().map((f) => f.data?.code ?? f.type)).toEqual(['rate_limited'])
    expect(alice.socket.closed).toBeNull()
    alice.send({ type: 'ping' })
    expect(alice.fresh().map((f) => f.data?.code)).toEqual(['rate_limited'])
    expect(alice.socket.closed?.code).toBe(4008)
    await flush()
    expect(await w.peers('r1')).toEqual([])
  })

  it('an accepted frame after a refill ends the dropping streak', async () => {
    const { w, alice } = await joined({ MESSAGE_BURST: '2', MESSAGE_RATE: '1' })
    for (let i = 0; i < 4; i++) alice.send({ type: 'ping' })
    w.scheduler.advance(1000)
    alice.send({ type: 'ping' })
    for (let i = 0; i < 2; i++) alice.send({ type: 'ping' })
    expect(alice.fresh().map((f) => f.data?.code ?? f.type)).toEqual(['pong', 'pong', 'rate_limited', 'pong', 'rate_limited'])
    expect(alice.socket.closed).toBeNull()
  })

  it('ignores frames on a closed socket', async () => {
    const { alice } = await joined()
    alice.closeWith(1000)
    alice.send({ type: 'ping' })
    expect(alice.fresh()).toEqual([])
  })
})
