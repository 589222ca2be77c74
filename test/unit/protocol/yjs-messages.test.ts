/** @module The y-webrtc dialect: what decodeYjsFrame accepts and refuses, and that our publish frame is the stock one. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeYjsFrame, MAX_TOPICS_PER_FRAME, publishFrame, YjsServerMessageSchema } from '../../../src/protocol/yjs-messages.js'

const decode = (frame: unknown, max = 65_536) => decodeYjsFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), max)

describe('decodeYjsFrame', () => {
  it.each([
    ['subscribe', { type: 'subscribe', topics: ['doc', 42, null] }],
    ['subscribe without topics (the stock server treats it as none)', { type: 'subscribe' }],
    ['unsubscribe', { type: 'unsubscribe', topics: ['doc'] }],
    ['publish of an object', { type: 'publish', topic: 'doc', data: { type: 'announce', from: 'x' } }],
    ['publish of a password room (base64 string)', { type: 'publish', topic: 'doc', data: 'AAEC' }],
    ['publish of null', { type: 'publish', topic: 'doc', data: null }],
    ['ping', { type: 'ping' }],
  ])('accepts %s', (_label, frame) => {
    expect(decode(frame)).toMatchObject({ ok: true, message: { type: frame.type } })
  })

  it.each([
    ['binary', new Uint8Array([123, 125]), 'binary_unsupported'],
    ['not JSON', '{', 'invalid_message'],
    ['an array', '[]', 'invalid_message'],
    ['a publish without data', { type: 'publish', topic: 'doc' }, 'invalid_message'],
    ['a publish without a topic', { type: 'publish', data: {} }, 'invalid_message'],
    ['a publish to an empty topic', { type: 'publish', topic: '', data: {} }, 'invalid_message'],
    ['topics that are not a list', { type: 'subscribe', topics: 'doc' }, 'invalid_message'],
    ['too many topics', { type: 'subscribe', topics: Array.from({ length: MAX_TOPICS_PER_FRAME + 1 }, (_, i) => `t${i}`) }, 'invalid_message'],
    ['an unknown type', { type: 'announce' }, 'unknown_type'],
    ['an inherited name as type', { type: 'toString' }, 'unknown_type'],
    ['no type', { topic: 'doc' }, 'unknown_type'],
  ])('refuses %s', (_label, frame, code) => {
    const raw = frame instanceof Uint8Array ? frame.buffer : typeof frame === 'string' ? frame : JSON.stringify(frame)
    expect(decodeYjsFrame(raw, 65_536)).toEqual({ ok: false, code })
  })

  it('refuses a frame longer than the cap', () => {
    expect(decode({ type: 'publish', topic: 'doc', data: 'x'.repeat(100) }, 50)).toEqual({ ok: false, code: 'invalid_message' })
  })
})

describe('publishFrame', () => {
  it('is the stock server publish: any JSON data comes back as it went, with clients', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.jsonValue(), fc.nat(10_000), (topic, data, clients) => {
        const parsed = YjsServerMessageSchema.parse(JSON.parse(publishFrame(topic, data, clients)))
        expect(parsed).toEqual({ type: 'publish', topic, data: JSON.parse(JSON.stringify(data)), clients })
      }),
    )
  })
})
