/** @module Bearer guards for the admin surface and for token minting (constant-time compare via hono's bearerAuth). */
import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { HTTPException } from 'hono/http-exception'
import type { Config } from '../config.js'
import { httpError, type ErrorCode } from '../errors.js'

const open: MiddlewareHandler = async (_c, next) => {
  await next()
}

/**
 * The digest bearerAuth compares in constant time. Default: SHA-256 on WebCrypto (two async digests per
 * check); Node passes a synchronous one: server CPU per mint 1,033 -> 953 µs (same-run A/B, 3 runs each,
 * `npm run bench -- --scenarios=token --servers=node,node-exp`).
 */
export type BearerHash = (value: string) => string

function bearer(token: string, hashFunction: BearerHash | undefined): MiddlewareHandler {
  // A Response (not a plain body) so that a malformed header is 401 too; bearerAuth would answer it 400.
  const unauthorized = { message: () => httpError('unauthorized').getResponse() }
  return bearerAuth({ token, hashFunction, noAuthenticationHeader: unauthorized, invalidAuthenticationHeader: unauthorized, invalidToken: unauthorized })
}

function guard(secret: string | null, production: boolean, disabled: ErrorCode, hash?: BearerHash): MiddlewareHandler {
  if (secret) return bearer(secret, hash)
  if (!production) return open
  return async () => {
    throw httpError(disabled)
  }
}

/**
 * Room listings, stats, audit, metrics and maintenance: `Bearer ADMIN_TOKEN` when set; open in
 * development without it; refused in production without it.
 */
export const requireAdmin = (config: Config, hash?: BearerHash) => guard(config.adminToken, config.production, 'admin_disabled', hash)

/**
 * Whether the caller would pass requireAdmin, without refusing it: public endpoints answer admin callers (and everyone
 * in development without ADMIN_TOKEN) with their details (issue 9 finding 9).
 */
export function isAdminCaller(config: Config, hash?: BearerHash): (c: Context) => Promise<boolean> {
  const check = requireAdmin(config, hash)
  return async (c) => {
    // No credentials: answer without bearerAuth, whose refusal builds and throws an HTTPException (about 50 µs
    // per public GET /api/health, cpuprofile, issue 13).
    if (config.adminToken && !c.req.header('authorization')) return false
    if (!config.adminToken) return !config.production
    let passed = false
    try {
      await check(c, async () => {
        passed = true
      })
    } catch (err) {
      if (!(err instanceof HTTPException)) throw err
    }
    return passed
  }
}

/** Token minting: `Bearer TOKEN_ISSUER_KEY` when set; open in development without it; refused in production without it. */
export const requireIssuer = (config: Config, hash?: BearerHash) => guard(config.auth.issuerKey, config.production, 'minting_disabled', hash)
