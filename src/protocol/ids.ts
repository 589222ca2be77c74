/** @module Identifier and name rules shared by HTTP bodies, token claims and WebSocket frames. */
import * as z from 'zod'
import { ID_PATTERN, isReservedId } from './rules.js'

export { isId } from './rules.js'

export const IdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . @ -')
  .refine((v) => !isReservedId(v), 'is a reserved name')

/** Display name: 1-64 printable characters, trimmed; no control or bidi-override characters. */
export const UserNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control or format characters')
