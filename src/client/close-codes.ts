/** @module What a client should do when the signaling socket closes: the close-code table of docs/protocol.md as data. */

/** `reconnect`: same token, after a backoff. `new-token`: fetch a fresh token first. `stop`: do not reconnect on your own. */
export type CloseAction = 'reconnect' | 'new-token' | 'stop'

/**
 * Close codes the server sends (src/errors.ts) plus the ones browsers report for transport failures.
 * 1000 is a clean leave; 1003/1009/4000 are client bugs; 4003/4004/4009 are final (forbidden, room full,
 * replaced by another tab); 4011 (room closed) is the user's call, not an automatic retry.
 */
const ACTIONS: Readonly<Record<number, CloseAction>> = {
  1000: 'stop',
  1001: 'reconnect',
  1003: 'stop',
  1005: 'reconnect',
  1006: 'reconnect',
  1009: 'stop',
  1011: 'reconnect',
  1012: 'reconnect',
  1013: 'reconnect',
  4000: 'stop',
  4001: 'new-token',
  4002: 'reconnect',
  4003: 'stop',
  4004: 'stop',
  4008: 'reconnect',
  4009: 'stop',
  4010: 'reconnect',
  4011: 'stop',
}

/** Codes after which the server asks for a longer pause than the usual first step (try again later, rate limited). */
const SLOW_DOWN: ReadonlySet<number> = new Set([1013, 4008])

/** The action for a close code; unknown codes stop, so a buggy client never hammers the server. */
export function closeAction(code: number): CloseAction {
  return ACTIONS[code] ?? 'stop'
}

export interface BackoffOptions {
  baseMs?: number
  maxMs?: number
  /** Returns a number in [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * Delay before reconnect attempt `attempt` (0-based) after close `code`: exponential with equal jitter (half fixed, half random),
 * capped at `maxMs` (default 30 s), at least 5 s after 1013/4008.
 */
export function backoffDelay(attempt: number, code: number, opts: BackoffOptions = {}): number {
  const { baseMs = 500, maxMs = 30_000, random = Math.random } = opts
  const floor = SLOW_DOWN.has(code) ? 5000 : 0
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt))
  return Math.round(Math.max(floor, ceiling / 2 + (random() * ceiling) / 2))
}
