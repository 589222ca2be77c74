/** @module decodeClientFrame: every frame type and alias, hostile JSON, prototype pollution, bounds. */
import { describe, expect, it } from 'vitest'
import { decodeClientFrame } from '../../../src/protocol/codec.js'
import { MAX_CANDIDATE_LENGTH, MAX_SDP_LENGTH, MAX_TOKEN_LENGTH } from '../../../src/protocol/client-messages.js'

const MAX = 65_536
const decode = (frame: unknown, max = MAX) => decodeClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), max)
const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 }

describe('decodeClientFrame accepts', () => {
  it.each([
    ['auth', { type: 'auth', userId: 'alice', roomId: 'doc-123', data: { token: 'x.y.z' }, timestamp: 1 }],
    ['auth (lean: from, ids in data)', { type: 'auth', from: 'alice', data: { token: 'x.y.z', userId: 'alice', roomId: 'doc-123', name: 'Alice' } }],
    ['sdp-offer', { type: 'sdp-offer', targetUserId: 'bob', data: sdp }],
    ['offer', { type: 'offer', to: 'bob', data: sdp }],
    ['sdp-answer', { type: 'sdp-answer', targetUserId: 'bob', data: { ...sdp, type: 'answer' } }],
    ['answer', { type: 'answer', to: 'bob', data: { sdp: 'v=0' } }],
    ['ice-candidate (RTCIceCandidateInit)', { type: 'ice-candidate', targetUserId: 'bob', data: { candidate } }],
    ['ice (flat)', { type: 'ice', to: 'bob', data: candidate }],
    ['ice (end of candidates)', { type: 'ice', data: { candidate: null } }],
    ['offer to everyone', { type: 'sdp-offer', data: sdp }],
    ['heartbeat', { type: 'heartbeat', timestamp: 1 }],
    ['ping', { type: 'ping' }],
    ['leave-room', { type: 'leave-room' }],
  ])('a valid %s frame', (_label, frame) => {
    const result = decode(frame)
    expect(result).toMatchObject({ ok: true, message: { type: frame.type } })
  })

  it('strips client-supplied sender fields and unknown keys', () => {
    const result = decode({ type: 'offer', to: 'bob', from: 'mallory', userId: 'mallory', isAdmin: true, data: sdp })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(Object.keys(result.message).sort()).toEqual(['data', 'to', 'type'])
  })

  it('keeps an SDP of exactly the maximum length', () => {
    expect(decode({ type: 'offer', data: { sdp: 'a'.repeat(MAX_SDP_LENGTH) } }, 200_000).ok).toBe(true)
  })

  it('keeps a candidate of exactly the maximum length', () => {
    expect(decode({ type: 'ice', data: { candidate: 'c'.repeat(MAX_CANDIDATE_LENGTH) } }).ok).toBe(true)
  })
})

describe('decodeClientFrame refuses', () => {
  it.each([
    ['invalid JSON', '{'],
    ['a bare string', '"auth"'],
    ['a number', '42'],
    ['null', 'null'],
    ['an array', '[{"type":"ping"}]'],
    ['an empty string', ''],
  ])('%s as invalid_message', (_label, raw) => {
    expect(decodeClientFrame(raw, MAX)).toEqual({ ok: false, code: 'invalid_message' })
  })

  it.each([
    ['toString'],
    ['__proto__'],
    ['constructor'],
    ['hasOwnProperty'],
    ['valueOf'],
    ['peer-joined'],
    ['peer-left'],
    ['error'],
    ['chat'],
    [''],
  ])('type %j as unknown_type', (type) => {
    expect(decode({ type, data: {} })).toEqual({ ok: false, code: 'unknown_type' })
  })

  it.each([
    ['a number', 42],
    ['an array', ['offer']],
    ['an object', { toString: 'x' }],
    ['null', null],
    ['missing', undefined],
  ])('a type that is %s as unknown_type', (_label, type) => {
    expect(decode({ type, data: sdp })).toEqual({ ok: false, code: 'unknown_type' })
  })

  it('binary data as binary_unsupported', () => {
    expect(decodeClientFrame(new Uint8Array([123, 125]), MAX)).toEqual({ ok: false, code: 'binary_unsupported' })
    expect(decodeClientFrame(Buffer.from('{"type":"ping"}'), MAX)).toEqual({ ok: false, code: 'binary_unsupported' })
  })

  it('a frame longer than the cap', () => {
    expect(decode({ type: 'ping', pad: 'x'.repeat(200) }, 100)).toEqual({ ok: false, code: 'invalid_message' })
  })

  it.each([
    ['an SDP over the bound', { type: 'offer', data: { sdp: 'a'.repeat(MAX_SDP_LENGTH + 1) } }],
    ['a non-string SDP', { type: 'offer', data: { sdp: 42 } }],
    ['an SDP that is an object', { type: 'answer', data: { sdp: { toString: 'x' } } }],
    ['an unknown SDP type', { type: 'offer', data: { type: 'evil', sdp: 'v=0' } }],
    ['missing data', { type: 'offer', to: 'bob' }],
    ['a candidate over the bound', { type: 'ice', data: { candidate: 'c'.repeat(MAX_CANDIDATE_LENGTH + 1) } }],
    ['a nested candidate over the bound', { type: 'ice', data: { candidate: { candidate: 'c'.repeat(MAX_CANDIDATE_LENGTH + 1) } } }],
    ['a negative sdpMLineIndex', { type: 'ice', data: { ...candidate, sdpMLineIndex: -1 } }],
    ['a string sdpMLineIndex', { type: 'ice', data: { ...candidate, sdpMLineIndex: '0' } }],
    ['a fractional sdpMLineIndex', { type: 'ice', data: { ...candidate, sdpMLineIndex: 0.5 } }],
    ['a numeric candidate', { type: 'ice', data: { candidate: 5 } }],
    ['a 10 KiB target', { type: 'offer', to: 'b'.repeat(10_240), data: sdp }],
    ['an array target', { type: 'offer', targetUserId: ['bob'], data: sdp }],
    ['a reserved target', { type: 'offer', to: '__proto__', data: sdp }],
    ['an auth frame without a token', { type: 'auth', userId: 'alice', roomId: 'r', data: {} }],
    ['an auth frame with an empty token', { type: 'auth', data: { token: '' } }],
    ['an auth frame with a numeric token', { type: 'auth', data: { token: 42 } }],
    ['an auth frame with an array token', { type: 'auth', data: { token: ['x'] } }],
    ['an auth frame with an oversized token', { type: 'auth', data: { token: 't'.repeat(MAX_TOKEN_LENGTH + 1) } }],
    ['an auth frame with an unsafe room id', { type: 'auth', roomId: 'a:b', data: { token: 'x.y.z' } }],
    ['an auth frame with an oversized name', { type: 'auth', data: { token: 'x.y.z', userName: 'n'.repeat(257) } }],
  ])('%s as invalid_message', (_label, frame) => {
    expect(decode(frame, 200_000)).toEqual({ ok: false, code: 'invalid_message' })
  })

  it('an sdpMLineIndex of 1e309 (Infinity)', () => {
    const raw = `{"type":"ice","data":{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":1e309}}`
    expect(decodeClientFrame(raw, MAX)).toEqual({ ok: false, code: 'invalid_message' })
  })
})

describe('decodeClientFrame against hostile structure', () => {
  it('leaves Object.prototype clean and returns only schema fields for a pollution payload', () => {
    const raw =
      '{"type":"offer","to":"bob","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},' +
      '"data":{"sdp":"v=0","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}'
    const result = decodeClientFrame(raw, MAX)
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const message = result.message as unknown as Record<string, unknown>
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype)
    expect(Object.keys(message).sort()).toEqual(['data', 'to', 'type'])
    expect(Object.prototype.hasOwnProperty.call(message, '__proto__')).toBe(false)
    expect(message.polluted).toBeUndefined()
    const data = message.data as Record<string, unknown>
    expect(Object.keys(data)).toEqual(['sdp'])
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(data.polluted).toBeUndefined()
    expect(JSON.stringify(message)).not.toContain('polluted')
  })

  it('does not throw on 20,000 levels of nesting inside data', () => {
    const depth = 20_000
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`
    const raw = `{"type":"offer","data":{"sdp":${nested}}}`
    expect(() => decodeClientFrame(raw, MAX)).not.toThrow()
    expect(decodeClientFrame(raw, MAX)).toEqual({ ok: false, code: 'invalid_message' })
    const extra = `{"type":"ice","data":{"candidate":null,"deep":${nested}}}`
    expect(() => decodeClientFrame(extra, MAX)).not.toThrow()
  })

  it('does not throw on 20,000 levels of nested objects', () => {
    const depth = 20_000
    const raw = `{"type":"ping","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
    expect(() => decodeClientFrame(raw, 200_000)).not.toThrow()
  })
})
