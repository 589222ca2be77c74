/**
 * @module Protocol rules that need no zod: id syntax, field limits and the signal type names. The zod schemas
 * (ids.ts, client-messages.ts) and the hand-written checks (signal-check.ts, the browser client) share them, so
 * that the browser bundle can check frames without carrying zod.
 */

const RESERVED = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * userId and roomId: 1-64 of letters, digits, `_ . @ -`. No `:`, `{`, `}` or `/`, so ids are safe in
 * Redis keys (hash tags), URLs and logs; no look-alike Unicode.
 */
export const ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/

export const isReservedId = (v: string) => RESERVED.has(v)

/** The id rule (IdSchema in ids.ts) as a plain check. */
export const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v) && !RESERVED.has(v)

export const MAX_TOKEN_LENGTH = 4096
export const MAX_SDP_LENGTH = 61_440
export const MAX_CANDIDATE_LENGTH = 2048

export const OFFER_TYPES = ['sdp-offer', 'offer'] as const
export const ANSWER_TYPES = ['sdp-answer', 'answer'] as const
export const ICE_TYPES = ['ice-candidate', 'ice'] as const
