/** @module Decoding of client frames: size cap, guarded JSON.parse, one schema check (hand-written for signals). */
import type { ErrorCode } from '../errors.js'
import { CLIENT_TYPES, ClientMessageSchema, type ClientMessage } from './client-messages.js'
import { checkSignal, isSignalType } from './signal-check.js'

export type DecodeResult = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode }

/**
 * Decodes one text frame. `maxChars` is a second guard for runtimes whose transport does not cap
 * frame size (JS string length is at most the UTF-8 byte length, so it never refuses a legal frame).
 */
export function decodeClientFrame(raw: unknown, maxChars: number): DecodeResult {
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
  if (typeof type !== 'string' || !CLIENT_TYPES.has(type)) return { ok: false, code: 'unknown_type' }
  if (isSignalType(type)) {
    const message = checkSignal(value as Record<string, unknown>)
    return message ? { ok: true, message } : { ok: false, code: 'invalid_message' }
  }
  const parsed = ClientMessageSchema.safeParse(value)
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, code: 'invalid_message' }
}
