/**
 * @module The y-webrtc signaling dialect served on /yjs (y-webrtc 10.3, `bin/server.js` and `src/y-webrtc.js`):
 * client frames, their decoding, and the frames the server sends. `data` of a publish is the provider's announce or
 * signal object, or a base64 string when the room has a password: opaque, carried as the client sent it.
 */
import * as z from 'zod'
import type { ErrorCode } from '../errors.js'

/** Topics in one subscribe or unsubscribe: a page subscribes to every room it has open. */
export const MAX_TOPICS_PER_FRAME = 256

/** Non-string topics are skipped, as the stock server skips them; the frame itself is fine. */
const Topics = z.array(z.unknown()).max(MAX_TOPICS_PER_FRAME)

const SubscribeFrame = z.object({ type: z.literal('subscribe'), topics: Topics.optional() })
const UnsubscribeFrame = z.object({ type: z.literal('unsubscribe'), topics: Topics.optional() })
const PublishFrame = z.object({
  type: z.literal('publish'),
  topic: z.string().min(1),
  // Required: a publish without data carries nothing a provider could act on.
  data: z.unknown().refine((v) => v !== undefined, 'is required'),
})
const PingFrame = z.object({ type: z.literal('ping') })

export const YjsClientMessageSchema = z.discriminatedUnion('type', [SubscribeFrame, UnsubscribeFrame, PublishFrame, PingFrame])
export type YjsClientMessage = z.infer<typeof YjsClientMessageSchema>
export type YjsPublish = z.infer<typeof PublishFrame>

const YJS_TYPES: ReadonlySet<string> = new Set(['subscribe', 'unsubscribe', 'publish', 'ping'])

export type YjsDecodeResult = { ok: true; message: YjsClientMessage } | { ok: false; code: ErrorCode }

/**
 * Decodes one frame. `maxChars` guards runtimes whose transport does not cap frame size (a JS string is never longer
 * than its UTF-8 bytes, so a legal frame is never refused). Binary frames are refused: y-webrtc sends text.
 */
export function decodeYjsFrame(raw: unknown, maxChars: number): YjsDecodeResult {
  if (typeof raw !== 'string') return { ok: false, code: 'binary_unsupported' }
  if (raw.length > maxChars) return { ok: false, code: 'invalid_message' }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { ok: false, code: 'invalid_message' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'invalid_message' }
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string' || !YJS_TYPES.has(type)) return { ok: false, code: 'unknown_type' }
  const parsed = YjsClientMessageSchema.safeParse(value)
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, code: 'invalid_message' }
}

/** What the server sends on /yjs: the stock server's publish (with `clients`) and pong, plus our error frame. */
export const YjsServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('publish'), topic: z.string(), data: z.unknown(), clients: z.number().int().min(0) }),
  z.object({ type: z.literal('pong') }),
  z.object({ type: z.literal('error'), data: z.object({ code: z.string(), error: z.string() }), timestamp: z.number() }),
])
export type YjsServerMessage = z.infer<typeof YjsServerMessageSchema>

export const PONG_FRAME = '{"type":"pong"}'

/**
 * The publish every subscriber gets, built once per publish. `data` is re-serialized from the parsed frame, so no
 * client text is passed through unchecked, and fields a client added beside `data` are not forwarded.
 */
export const publishFrame = (topic: string, data: unknown, clients: number) =>
  `{"type":"publish","topic":${JSON.stringify(topic)},"data":${JSON.stringify(data)},"clients":${clients}}`
