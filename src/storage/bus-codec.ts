/**
 * @module The bus wire format, shared by every SignalBus adapter so that memory and Redis carry the same bytes.
 *
 * A relay is the hot path: `R\t<origin>\t<roomId>\t<target or empty>\t<sender>\t<frame>`. The frame is appended as
 * is (it is already JSON), so it is encoded once end to end instead of being escaped into a JSON envelope and
 * zod-parsed back on every receiving instance (the v1 format: `JSON.stringify` of an envelope holding the frame as a
 * string). The header fields are checked by hand; test/unit/storage/bus-codec.test.ts holds the check equal to
 * RelayEnvelopeSchema with a property test, as signal-check.ts is held to the frame schemas.
 *
 * Every other envelope is rare (presence, control) and travels as JSON checked with ControlEnvelopeSchema.
 *
 * An adapter may send several encoded envelopes for one channel as one message: `B\n<text>\n<text>...`. No encoded
 * envelope holds a raw newline (JSON escapes it, ids cannot hold one), and one that did would be sent alone.
 */
import { ControlEnvelopeSchema, type BusEnvelope, type RelayEnvelope } from './bus.js'
import { StoreError } from './types.js'

const RELAY_TAG = 'R'
const SEP = '\t'

/** An identifier that can go into the relay header: non-empty, no separator. */
const headerSafe = (id: string) => id.length > 0 && !id.includes(SEP)

function encodeRelay(e: RelayEnvelope): string {
  if (!headerSafe(e.origin) || !headerSafe(e.roomId) || !headerSafe(e.sender) || (e.target !== null && !headerSafe(e.target))) {
    throw new StoreError('relay envelope ids must be non-empty and free of tabs')
  }
  return `${RELAY_TAG}${SEP}${e.origin}${SEP}${e.roomId}${SEP}${e.target ?? ''}${SEP}${e.sender}${SEP}${e.frame}`
}

/** The relay header's five fields and the frame, or null when the text is not a well-formed relay. */
function decodeRelay(text: string): RelayEnvelope | null {
  const a = text.indexOf(SEP, 2)
  const b = a < 0 ? -1 : text.indexOf(SEP, a + 1)
  const c = b < 0 ? -1 : text.indexOf(SEP, b + 1)
  const d = c < 0 ? -1 : text.indexOf(SEP, c + 1)
  if (d < 0) return null
  // Empty origin, room or sender: adjacent separators. An empty target means "everyone but the sender".
  if (a === 2 || b === a + 1 || d === c + 1) return null
  return {
    kind: 'relay',
    origin: text.slice(2, a),
    roomId: text.slice(a + 1, b),
    target: c === b + 1 ? null : text.slice(b + 1, c),
    sender: text.slice(c + 1, d),
    frame: text.slice(d + 1),
  }
}

/** The text an adapter publishes for an envelope. Throws StoreError for ids the relay header cannot carry. */
export function encodeEnvelope(e: BusEnvelope): string {
  return e.kind === 'relay' ? encodeRelay(e) : JSON.stringify(e)
}

/** The envelope a published text stands for, or null when it is not one (adapters drop it with a warning). */
export function decodeEnvelope(text: string): BusEnvelope | null {
  if (text.startsWith(`${RELAY_TAG}${SEP}`)) return decodeRelay(text)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = ControlEnvelopeSchema.safeParse(json)
  return parsed.success ? parsed.data : null
}

const BATCH_HEAD = 'B\n'
const RECORD_SEP = '\n'

/** Whether an encoded envelope can share a message with others. */
export const batchable = (text: string): boolean => !text.includes(RECORD_SEP)

/** One message for several encoded envelopes of one channel, in order (a single one goes as it is). */
export const encodeBatch = (texts: readonly string[]): string => (texts.length === 1 ? (texts[0] ?? '') : BATCH_HEAD + texts.join(RECORD_SEP))

/** The encoded envelopes a message carries, in order. */
export const splitBatch = (message: string): string[] => (message.startsWith(BATCH_HEAD) ? message.slice(BATCH_HEAD.length).split(RECORD_SEP) : [message])
