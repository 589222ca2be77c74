/** @module Identifier and name rules shared by HTTP bodies, token claims and WebSocket frames. */
import * as z from 'zod'
import { checkDisplayName } from './display-name.js'
import { ID_PATTERN, isReservedId } from './rules.js'

export { isId } from './rules.js'

export const IdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . @ -')
  .refine((v) => !isReservedId(v), 'is a reserved name')

/** A display name (HTTP bodies, token claims), normalized by checkDisplayName (display-name.ts); refusals name the rule. */
export const UserNameSchema = z
  .string()
  .max(256)
  .superRefine((v, ctx) => {
    const r = checkDisplayName(v)
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason })
  })
  .transform((v) => (checkDisplayName(v) as { name: string }).name)

/**
 * A display name as an auth frame carries it: only bounded here, so that the handshake can refuse a bad one with its
 * own code (invalid_name) instead of failing the whole frame.
 */
export const RawNameSchema = z.string().max(256)
