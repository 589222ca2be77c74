/** @module POST /api/auth/token: mints a room token (seed "Step 1"). */
import { Hono, type Context } from 'hono'
import { MemoryStore, rateLimiter, type Store } from 'hono-rate-limiter'
import type { Config } from '../config.js'
import { errorBody } from '../errors.js'
import { jsonBody } from '../lib/http.js'
import { TokenRequestSchema } from '../protocol/http-bodies.js'
import { requireIssuer, type BearerHash } from './guards.js'
import { describeTtl, type TokenService } from './tokens.js'

export interface TokenRouteDeps {
  config: Config
  tokens: TokenService
  ipOf: (c: Context) => string | null
  store: Store
  bearerHash?: BearerHash
}

/** Per-IP window for minting; failed attempts count too, so a wrong issuer key cannot be brute-forced. */
export function tokenRoutes(d: TokenRouteDeps) {
  const limit = rateLimiter({
    windowMs: 60_000,
    limit: d.config.auth.mintPerMinute,
    keyGenerator: (c) => `mint:${d.ipOf(c) ?? 'unknown'}`,
    message: errorBody('rate_limited', 'Too many token requests; retry after the time in Retry-After'),
    store: d.store,
  })
  return new Hono().post('/token', limit, requireIssuer(d.config, d.bearerHash), ...jsonBody(TokenRequestSchema), async (c) => {
    const body = c.req.valid('json')
    const minted = await d.tokens.mint(body)
    return c.json({
      status: 'success',
      token: minted.token,
      expiresIn: describeTtl(d.config.auth.ttlSeconds),
      userId: body.userId,
      roomId: body.roomId,
      expiresInSeconds: d.config.auth.ttlSeconds,
      expiresAt: minted.expiresAt,
      tokenType: 'Bearer',
    })
  })
}

export const defaultRateLimitStore = (): Store => new MemoryStore()
