/**
 * The bus wire format (src/storage/bus-codec.ts): the relay header is checked by hand, so these properties hold it
 * equal to RelayEnvelopeSchema, as test/unit/protocol/signal-check.test.ts holds the signal check to its schemas.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ControlEnvelopeSchema, RelayEnvelopeSchema, type BusEnvelope, type RelayEnvelope } from '../../../src/storage/bus.js'
import { batchable, decodeEnvelope, encodeBatch, encodeEnvelope, splitBatch } from '../../../src/storage/bus-codec.js'
import { StoreError } from '../../../src/storage/types.js'

/** Ids as the core makes them, and the edges the separator creates. */
const idish = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.@-]{1,64}$/) },
  fc.constantFrom('', '\t', 'a\tb', 'R', ' ', '{', '}', 'ü', '\n'),
  fc.string({ maxLength: 6 }),
)
/** Frames are opaque: any text, tabs and newlines included. */
const frame = fc.oneof(fc.string(), fc.constantFrom('', '\t', '\t\t\t\t\t', '{"type":"ice"}', 'R\ta\tb\t\tc\td'))
const relayLike = fc.record({
  kind: fc.constant('relay' as const),
  origin: idish,
  roomId: idish,
  target: fc.oneof(idish, fc.constant(null)),
  sender: idish,
  frame,
})

const tryEncode = (e: BusEnvelope): string | StoreError => {
  try {
    return encodeEnvelope(e)
  } catch (err) {
    if (err instanceof StoreError) return err
    throw err
  }
}

describe('bus codec: relay', () => {
  it('encodes exactly the envelopes the schema accepts, and decodes them back unchanged', () => {
    fc.assert(
      fc.property(relayLike, (e) => {
        const valid = RelayEnvelopeSchema.safeParse(e).success
        const text = tryEncode(e)
        expect(typeof text === 'string').toBe(valid)
        if (typeof text === 'string') expect(decodeEnvelope(text)).toEqual(e)
      }),
      { numRuns: 3000 },
    )
  })

  it('decodes any text either to null or to an envelope the schema accepts, which encodes back to that text', () => {
    const text = fc.oneof(
      fc.tuple(fc.array(fc.oneof(idish, fc.string()), { maxLength: 7 }), frame).map(([parts, f]) => ['R', ...parts, f].join('\t')),
      fc.string().map((s) => `R\t${s}`),
      fc.string(),
    )
    fc.assert(
      fc.property(text, (t) => {
        const e = decodeEnvelope(t)
        if (e === null || e.kind !== 'relay') return
        expect(RelayEnvelopeSchema.safeParse(e).success).toBe(true)
        expect(encodeEnvelope(e)).toBe(t)
      }),
      { numRuns: 3000 },
    )
  })

  it('carries the frame as is: no escaping, one copy of its characters', () => {
    const e: RelayEnvelope = { kind: 'relay', origin: 'i1', roomId: 'doc-1', target: 'bob', sender: 'alice', frame: '{"data":"a\\"b\tc"}' }
    expect(encodeEnvelope(e)).toBe('R\ti1\tdoc-1\tbob\talice\t{"data":"a\\"b\tc"}')
  })
})

describe('bus codec: control envelopes', () => {
  const peer = fc.record({
    roomId: fc.string(),
    userId: fc.string(),
    userName: fc.string(),
    connectionId: fc.string(),
    instanceId: fc.string(),
    joinedAt: fc.integer(),
    leaseUntil: fc.integer(),
  })
  const control = fc.oneof(
    fc.record({ kind: fc.constant('joined' as const), origin: idish, peer, replaced: fc.option(peer, { nil: null }) }),
    fc.record({ kind: fc.constant('left' as const), origin: idish, peer, reason: fc.string() }),
    fc.record({ kind: fc.constant('close' as const), origin: idish, roomId: fc.string(), connectionId: fc.string(), code: fc.string() }),
    fc.record({ kind: fc.constant('room-closed' as const), origin: idish, roomId: fc.string(), reason: fc.string() }),
    fc.record({ kind: fc.constant('resumed' as const), origin: idish, peer, previous: peer }),
    fc.record({ kind: fc.constant('handover' as const), origin: idish, roomId: fc.string(), userId: fc.string(), connectionId: fc.string(), frames: fc.array(frame, { maxLength: 4 }) }),
  )

  it('round-trips every envelope the schema accepts, and decodes nothing it rejects', () => {
    fc.assert(
      fc.property(control, (e) => {
        const decoded = decodeEnvelope(encodeEnvelope(e))
        if (ControlEnvelopeSchema.safeParse(e).success) expect(decoded).toEqual(e)
        else expect(decoded).toBeNull()
      }),
      { numRuns: 2000 },
    )
  })

  it('decodes arbitrary JSON only when the schema accepts it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const decoded = decodeEnvelope(JSON.stringify(v) ?? 'null')
        const parsed = ControlEnvelopeSchema.safeParse(v)
        expect(decoded).toEqual(parsed.success ? parsed.data : null)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('bus codec: batches', () => {
  const encoded = relayLike.map(tryEncode).filter((t): t is string => typeof t === 'string')

  it('splits a batch of batchable envelopes back into the same texts, in order, each decoding as alone', () => {
    fc.assert(
      fc.property(fc.array(encoded.filter(batchable), { minLength: 1, maxLength: 8 }), (texts) => {
        const parts = splitBatch(encodeBatch(texts))
        expect(parts).toEqual(texts)
        expect(parts.map(decodeEnvelope)).toEqual(texts.map(decodeEnvelope))
      }),
    )
  })

  it('leaves any single envelope as it is, a newline in its frame included', () => {
    fc.assert(
      fc.property(encoded, (text) => {
        expect(splitBatch(encodeBatch([text]))).toEqual([text])
      }),
    )
    expect(batchable(encodeEnvelope({ kind: 'relay', origin: 'a', roomId: 'r', target: null, sender: 's', frame: String.raw`{"x":"\n"}` }))).toBe(true)
    expect(batchable(encodeEnvelope({ kind: 'relay', origin: 'a', roomId: 'r', target: null, sender: 's', frame: 'line\nbreak' }))).toBe(false)
  })
})

