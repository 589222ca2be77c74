/** @module Pure parts of the browser client: the close-code table, backoff, and validation of incoming frames. */
import { describe, expect, it } from 'vitest'
import { backoffDelay, closeAction } from '../../src/client/close-codes.js'
import { parseServerFrame, toSignal } from '../../src/client/checks.js'

describe('closeAction', () => {
  it.each([1001, 1005, 1006, 1011, 1012, 1013, 4002, 4008, 4010])('%i: reconnect with backoff', (code) => {
    expect(closeAction(code)).toBe('reconnect')
  })
  it('4001: fetch a new token first', () => expect(closeAction(4001)).toBe('new-token'))
  it.each([1000, 1003, 1009, 4000, 4003, 4004, 4009, 4011])('%i: do not reconnect', (code) => {
    expect(closeAction(code)).toBe('stop')
  })
  it('unknown codes stop rather than hammer the server', () => {
    expect(closeAction(4999)).toBe('stop')
    expect(closeAction(1002)).toBe('stop')
  })
})

describe('backoffDelay', () => {
  const low = { random: () => 0 }
  const high = { random: () => 0.999999 }
  it('doubles per attempt with equal jitter, capped at maxMs', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 1006, low))).toEqual([250, 500, 1000, 2000])
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 1006, high))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelay(30, 1006, high)).toBe(30_000)
    expect(backoffDelay(30, 1006, { ...low, maxMs: 8000 })).toBe(4000)
  })
  it('waits at least 5 s after "try again later" and rate limiting', () => {
    expect(backoffDelay(0, 1013, low)).toBe(5000)
    expect(backoffDelay(0, 4008, low)).toBe(5000)
    expect(backoffDelay(6, 4008, high)).toBe(30_000)
  })
})

const frame = (value: object) => JSON.stringify({ timestamp: 1, ...value })

describe('parseServerFrame', () => {
  it('accepts the frames the server sends', () => {
    const valid = [
      { type: 'peer-joined', roomId: 'r', userId: 'bob', data: { userId: 'bob', userName: 'Bob', joinedAt: 1, replaced: false } },
      { type: 'peer-left', roomId: 'r', userId: 'bob', data: { userId: 'bob', reason: 'left' } },
      { type: 'sdp-offer', roomId: 'r', userId: 'bob', from: 'bob', targetUserId: 'me', data: { type: 'offer', sdp: 'v=0' } },
      { type: 'heartbeat', data: { status: 'ok' } },
      { type: 'error', data: { code: 'peer_not_found', error: 'Target peer is not in this room' } },
    ]
    for (const v of valid) expect(parseServerFrame(frame(v))).toMatchObject({ ok: true, value: { type: v.type } })
  })
  it('rejects what is not in the protocol, naming the frame type', () => {
    expect(parseServerFrame('{nope')).toEqual({ ok: false, error: 'not JSON' })
    expect(parseServerFrame(new ArrayBuffer(2))).toEqual({ ok: false, error: 'binary frame' })
    expect(parseServerFrame(frame({ type: 'surprise' }))).toEqual({ ok: false, error: 'not a valid surprise frame' })
    expect(parseServerFrame(JSON.stringify({ type: 'pong' }))).toEqual({ ok: false, error: 'not a valid pong frame' })
    expect(parseServerFrame(frame({ type: 'sdp-answer', data: { sdp: 'v=0' } }))).toMatchObject({ ok: false })
    expect(parseServerFrame(frame({ type: 'peer-joined', data: { userId: 'bob' } }))).toMatchObject({ ok: false })
    expect(parseServerFrame('[1]')).toEqual({ ok: false, error: 'not a JSON object' })
  })
})

describe('toSignal', () => {
  const relayed = (type: 'sdp-offer' | 'offer' | 'answer' | 'ice-candidate' | 'ice', data: unknown) =>
    ({ type, from: 'alice', timestamp: 1, data }) as const
  it('normalises aliases and both candidate shapes', () => {
    expect(toSignal(relayed('offer', { type: 'offer', sdp: 'v=0' }))).toEqual({
      ok: true,
      value: { type: 'sdp-offer', from: 'alice', data: { type: 'offer', sdp: 'v=0' } },
    })
    expect(toSignal(relayed('answer', { sdp: 'v=0' }))).toMatchObject({ ok: true, value: { type: 'sdp-answer', data: { type: 'answer' } } })
    const nested = { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }
    const expected = { type: 'ice-candidate', from: 'alice', data: nested.candidate }
    expect(toSignal(relayed('ice-candidate', nested))).toEqual({ ok: true, value: expected })
    const flat = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    expect(toSignal(relayed('ice', flat))).toMatchObject({ ok: true, value: { type: 'ice-candidate', data: flat } })
    expect(toSignal(relayed('ice', { candidate: null }))).toEqual({ ok: true, value: { type: 'ice-candidate', from: 'alice', data: null } })
  })
  it('rejects payloads the server would not have accepted from a client', () => {
    expect(toSignal(relayed('sdp-offer', { sdp: 42 }))).toEqual({ ok: false, error: 'sdp-offer from alice: invalid payload' })
    expect(toSignal(relayed('sdp-offer', { sdp: 'x'.repeat(70_000) }))).toMatchObject({ ok: false })
    expect(toSignal(relayed('ice', { candidate: { sdpMid: '0' } }))).toMatchObject({ ok: false })
    expect(toSignal(relayed('ice', 'candidate:1'))).toMatchObject({ ok: false })
  })
})
