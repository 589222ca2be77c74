/**
 * @module One error vocabulary. Every failure the server reports has a stable `code`; this table maps
 * each code to its HTTP status and, for WebSocket failures, to the close code (if the socket is closed).
 */
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** WebSocket close codes we send. 1xxx are RFC 6455 / IANA; 4xxx are ours (documented in docs/protocol.md). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
  invalidMessages: 4000,
  authFailed: 4001,
  authTimeout: 4002,
  forbidden: 4003,
  roomFull: 4004,
  rateLimited: 4008,
  replaced: 4009,
  idleTimeout: 4010,
  roomClosed: 4011,
} as const
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode]

interface ErrorSpec {
  status: ContentfulStatusCode
  message: string
  /** Close code when this error ends a WebSocket session; absent when the socket stays open. */
  close?: CloseCodeValue
}

export const ERRORS = {
  invalid_body: { status: 400, message: 'Request body is invalid' },
  invalid_json: { status: 400, message: 'Malformed JSON in request body' },
  unsupported_media_type: { status: 415, message: 'Content-Type must be application/json' },
  payload_too_large: { status: 413, message: 'Request body is too large' },
  not_found: { status: 404, message: 'Not found' },
  invalid_room: { status: 400, message: 'The room on the URL is invalid: 1-64 of A-Z a-z 0-9 _ . @ -, as /ws?room=<id> or /ws/<id>' },
  room_required: { status: 400, message: 'This server needs the room on the URL: /ws?room=<id> or /ws/<id>' },
  not_configured: { status: 501, message: 'Not available on this deployment' },
  room_not_found: { status: 404, message: 'Room not found' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials' },
  forbidden: { status: 403, message: 'Forbidden' },
  admin_disabled: { status: 403, message: 'Admin endpoints are disabled: set ADMIN_TOKEN' },
  minting_disabled: { status: 403, message: 'Token minting is disabled: set TOKEN_ISSUER_KEY' },
  origin_not_allowed: { status: 403, message: 'Origin not allowed' },
  rate_limited: { status: 429, message: 'Too many requests', close: CloseCode.rateLimited },
  too_many_connections: { status: 429, message: 'Too many connections from this address' },
  too_many_pending: { status: 429, message: 'Too many connections from this address have not authenticated yet' },
  auth_blocked: { status: 429, message: 'Too many failed authentications from this address; retry after the time in Retry-After' },
  server_busy: { status: 503, message: 'Too many connections are waiting to authenticate; try again later' },
  server_full: { status: 503, message: 'Server is at its connection limit', close: CloseCode.tryAgainLater },
  memory_critical: { status: 503, message: 'Server memory is critical; try again later', close: CloseCode.tryAgainLater },
  draining: { status: 503, message: 'Server is shutting down', close: CloseCode.goingAway },
  store_unavailable: { status: 503, message: 'Room storage is unreachable; try again later', close: CloseCode.tryAgainLater },
  gc_unavailable: { status: 503, message: 'Garbage collection is not exposed: start node with --expose-gc' },
  upgrade_required: { status: 426, message: 'This endpoint expects a WebSocket upgrade' },
  internal_error: { status: 500, message: 'Internal server error', close: CloseCode.internal },
  // Token and WebSocket session errors.
  auth_required: { status: 401, message: 'First frame must be an auth frame with data.token', close: CloseCode.authFailed },
  auth_timeout: { status: 401, message: 'No auth frame received in time', close: CloseCode.authTimeout },
  token_invalid: { status: 401, message: 'Token is invalid', close: CloseCode.authFailed },
  token_expired: { status: 401, message: 'Token has expired', close: CloseCode.authFailed },
  token_used: { status: 401, message: 'Token was already used', close: CloseCode.authFailed },
  token_mismatch: { status: 403, message: 'Token is for another user or room', close: CloseCode.forbidden },
  already_authenticated: { status: 403, message: 'This socket is already authenticated', close: CloseCode.forbidden },
  room_full: { status: 409, message: 'Room is full', close: CloseCode.roomFull },
  rooms_exhausted: { status: 503, message: 'Server has reached its room limit', close: CloseCode.tryAgainLater },
  replaced: { status: 409, message: 'Replaced by a newer connection of the same user', close: CloseCode.replaced },
  idle_timeout: { status: 408, message: 'No heartbeat received in time', close: CloseCode.idleTimeout },
  room_closed: { status: 410, message: 'Room was closed', close: CloseCode.roomClosed },
  invalid_message: { status: 400, message: 'Message is invalid' },
  invalid_name: { status: 400, message: 'Display name is not allowed (control, format or separator characters, stacked marks, mixed scripts, or too long)', close: CloseCode.invalidMessages },
  too_many_invalid: { status: 400, message: 'Too many invalid messages', close: CloseCode.invalidMessages },
  unknown_type: { status: 400, message: 'Unknown message type' },
  binary_unsupported: { status: 400, message: 'Binary frames are not supported', close: CloseCode.unsupportedData },
  peer_not_found: { status: 404, message: 'Target peer is not in this room' },
  slow_consumer: { status: 429, message: 'Client is not reading its messages', close: CloseCode.rateLimited },
  relay_failed: { status: 502, message: 'Message could not be delivered' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

/** An expected failure with a stable code. `cause` is logged, never sent. */
export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly code: ErrorCode,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? ERRORS[code].message, { cause: options?.cause })
  }
}

export const errorBody = (code: ErrorCode, message?: string) => ({ error: message ?? ERRORS[code].message, code })

/** Our JSON error envelope as a Response; the status defaults to the table's. */
export function errorResponse(code: ErrorCode, opts: { status?: number; message?: string; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(errorBody(code, opts.message)), {
    status: opts.status ?? ERRORS[code].status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...opts.headers },
  })
}

/** What every runtime answers an `Upgrade:` other than websocket (h2c, ...): 400, then the connection is closed. */
export const nonWebSocketUpgrade = (headers?: Record<string, string>) =>
  errorResponse('upgrade_required', { status: 400, message: 'Only WebSocket upgrades are supported', headers })

/** An HTTPException whose response is our JSON error envelope; thrown from middleware and handlers. */
export function httpError(code: ErrorCode, headers?: Record<string, string>, message?: string): HTTPException {
  return new HTTPException(ERRORS[code].status, { res: errorResponse(code, { message, headers }) })
}

export const closeCodeOf = (code: ErrorCode): CloseCodeValue | undefined => (ERRORS[code] as ErrorSpec).close
