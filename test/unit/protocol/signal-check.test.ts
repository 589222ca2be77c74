/**
 * The hand-written signal check (relay hot path) must accept exactly what the zod schemas accept and
 * return the same message: same keys, same order, unknown keys stripped.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ANSWER_TYPES, ClientMessageSchema, ICE_TYPES, MAX_CANDIDATE_LENGTH, MAX_SDP_LENGTH, OFFER_TYPES } from '../../../src/protocol/client-messages.js'
import { checkSignal } from '../../../src/protocol/signal-check.js'

const SIGNAL_TYPES = [...OFFER_TYPES, ...ANSWER_TYPES, ...ICE_TYPES]

/** zod's verdict and value, as JSON so that key order counts. */
function viaZod(frame: Record<string, unknown>): string | null {
  const r = ClientMessageSchema.safeParse(frame)
  return r.success ? JSON.stringify(r.data) : null
}
function viaCheck(frame: Record<string, unknown>): string | null {
  const m = checkSignal(frame)
  return m ? JSON.stringify(m) : null
}

/** Values near each rule's edges, plus arbitrary JSON. */
const lengthEdge = (max: number) =>
  fc.oneof(
    fc.constantFrom(max - 1, max, max + 1, 0, 1).map((n) => 'a'.repeat(Math.max(0, n))),
    fc.string({ maxLength: 8 }),
  )
const anyJson = fc.jsonValue({ maxDepth: 2 })
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 })
const idLike = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.@-]{1,64}$/) },
  fc.constantFrom('', '__proto__', 'constructor', 'prototype', 'a'.repeat(64), 'a'.repeat(65), 'bob:1', 'ÿ', 'a b'),
  anyJson,
)
const integerish = fc.oneof(fc.constantFrom(0, 1, 1023, 1024, -1, 0.5, -0, 1e21), fc.integer(), anyJson)
/** The RTCIceCandidateInit fields besides `candidate`, each near its bounds or any JSON. */
const candidateFields = {
  sdpMid: fc.oneof(lengthEdge(64), fc.constant(null), anyJson),
  sdpMLineIndex: fc.oneof(integerish, fc.constant(null)),
  usernameFragment: fc.oneof(lengthEdge(256), fc.constant(null), anyJson),
}
const candidateInit = fc.record(
  { candidate: fc.oneof(lengthEdge(MAX_CANDIDATE_LENGTH), anyJson), ...candidateFields, extra: anyJson },
  { requiredKeys: [] },
)
const iceData = fc.record(
  { candidate: fc.oneof(lengthEdge(MAX_CANDIDATE_LENGTH), fc.constant(null), candidateInit, anyJson), ...candidateFields, from: anyJson },
  { requiredKeys: [] },
)
const sdpData = fc.record(
  {
    type: fc.oneof(fc.constantFrom('offer', 'answer', 'pranswer', 'rollback', 'OFFER', ''), anyJson),
    sdp: fc.oneof(lengthEdge(MAX_SDP_LENGTH), anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
)
const envelope = {
  targetUserId: idLike,
  to: idLike,
  from: anyJson,
  userId: anyJson,
  roomId: anyJson,
  timestamp: anyJson,
}
/** Mostly frames whose data matches their type (so that many pass), some with any data at all. */
const frame = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constantFrom(...OFFER_TYPES, ...ANSWER_TYPES), ...envelope, data: sdpData }, { requiredKeys: ['type', 'data'] }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constantFrom(...ICE_TYPES), ...envelope, data: iceData }, { requiredKeys: ['type', 'data'] }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { type: fc.constantFrom(...SIGNAL_TYPES), ...envelope, data: fc.oneof(sdpData, iceData, anyJson, fc.array(anyJson, { maxLength: 2 })) },
      { requiredKeys: ['type'] },
    ),
  },
)

/** Round-trip through JSON: the server only ever sees JSON.parse output. */
const asParsed = (v: Record<string, unknown>) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>

describe('checkSignal agrees with the zod schemas', () => {
  it('on generated frames (accepted or refused alike, same value and key order)', () => {
    fc.assert(
      fc.property(frame.map(asParsed), (f) => {
        expect(viaCheck(f)).toBe(viaZod(f))
      }),
      { numRuns: 5000 },
    )
  })

  it('generates both accepted and refused frames (the property is not vacuous)', () => {
    const samples = fc.sample(frame.map(asParsed), { numRuns: 2000, seed: 42 })
    const accepted = samples.filter((f) => viaZod(f) !== null).length
    expect(accepted).toBeGreaterThan(100)
    expect(samples.length - accepted).toBeGreaterThan(100)
  })

  it.each([
    ['offer with unknown keys stripped', { type: 'offer', to: 'bob', from: 'mallory', data: { type: 'offer', sdp: 'v=0', x: 1 }, extra: true }],
    ['answer without a type in data', { type: 'sdp-answer', targetUserId: 'bob', data: { sdp: 'v=0' } }],
    ['flat candidate', { type: 'ice', to: 'bob', data: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0', sdpMLineIndex: 0 } }],
    ['nested candidate', { type: 'ice-candidate', to: 'bob', data: { candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: 'u', x: 1 } } }],
    ['end of candidates', { type: 'ice-candidate', data: { candidate: null } }],
    ['null target', { type: 'offer', to: null, data: { sdp: 'v=0' } }],
    ['reserved target', { type: 'offer', to: '__proto__', data: { sdp: 'v=0' } }],
    ['SDP one over the cap', { type: 'offer', data: { sdp: 'a'.repeat(MAX_SDP_LENGTH + 1) } }],
    ['fractional line index', { type: 'ice', data: { candidate: 'c', sdpMLineIndex: 0.5 } }],
    ['array data', { type: 'offer', data: [] }],
    ['missing data', { type: 'answer', to: 'bob' }],
  ])('%s', (_name, f) => {
    const parsed = asParsed(f)
    expect(viaCheck(parsed)).toBe(viaZod(parsed))
  })
})
