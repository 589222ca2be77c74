/** @module Identifier and name rules shared by HTTP bodies, token claims and WebSocket frames. */
import * as z from 'zod'
import { checkDisplayName } from './display-name.js'

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
