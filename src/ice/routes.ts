/** @module GET /api/ice-servers: the ICE servers (with fresh TURN credentials) for the holder of a room token. */
import { Hono } from 'hono'
import type { TokenService } from '../auth/tokens.js'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { iceServersFor } from './servers.js'

export interface IceRouteDeps {
  config: Config
  tokens: TokenService
  clock: Clock
}

/** Authorised by the user's own room token, as the WebSocket is: TURN credentials are for room members only. */
export function iceRoutes(d: IceRouteDeps) {
  return new Hono().get('/', async (c) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (!token) throw httpError('unauthorized', { 'www-authenticate': 'Bearer' }, 'A room token is required: Authorization: Bearer <token>')
    const verified = await d.tokens.verify(token)
    if (!verified.ok) throw httpError(verified.code)
    const grant = await iceServersFor(d.config.ice, verified.claims.userId, d.clock.now())
    // Credentials in a response: no shared cache may keep them.
    c.header('cache-control', 'no-store')
    return c.json({ ...grant, ttlSeconds: d.config.ice.turn?.ttlSeconds ?? null })
  })
}
