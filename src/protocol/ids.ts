/** @module Identifier and name rules shared by HTTP bodies, token claims and WebSocket frames. */
import * as z from 'zod'

const RESERVED = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * userId and roomId: 1-64 of letters, digits, `_ . @ -`. No `:`, `{`, `}` or `/`, so ids are safe in
 * Redis keys (hash tags), URLs and logs; no look-alike Unicode.
 */
const ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/

export const IdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . @ -')
  .refine((v) => !RESERVED.has(v), 'is a reserved name')

/** The same rule as IdSchema, for the hand-written relay check (signal-check.ts). */
export const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v) && !RESERVED.has(v)

/** Display name: 1-64 printable characters, trimmed; no control or bidi-override characters. */
export const UserNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control or format characters')
