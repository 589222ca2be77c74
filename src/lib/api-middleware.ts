/**
 * @module The CORS and body-size middleware of /api/*, Hono's own, applied only to the requests they concern.
 *
 * On @hono/node-server both cost far more than their work when applied to every request (cpuprofile of
 * GET /api/health with keep-alive, issue 13): bodyLimit reads `c.req.raw.body`, which builds a whole undici
 * Request (about 130 µs), and cors appends `Vary: Origin` after the handler, which turns the lightweight response
 * into an undici Response and copies it (about 100 µs).
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { httpError } from '../errors.js'

/**
 * Hono's cors for browser requests (they carry `Origin`) and for preflights. A request without `Origin` gets nothing
 * from cors but `Vary: Origin` (with an origin list), appended here to the response's own headers, as secureHeaders
 * does, instead of through `c.header`, which copies a finalized response.
 */
export function apiCors(origins: '*' | string[]): MiddlewareHandler {
  const full = cors({ origin: origins === '*' ? '*' : origins, allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization'], maxAge: 600 })
  return async (c, next) => {
    if (c.req.method === 'OPTIONS' || c.req.header('origin') !== undefined) return full(c, next)
    await next()
    if (origins !== '*') c.res.headers.append('Vary', 'Origin')
  }
}

/**
 * Hono's bodyLimit on POST, the only method of this API with a body (@hono/node-server never reads a GET's). A body
 * with a Content-Length (and no Transfer-Encoding) is judged by that header, as bodyLimit itself does, but before
 * bodyLimit touches `c.req.raw.body`: reading the body then goes through @hono/node-server's direct path instead of
 * a whole undici Request (about 250 µs of a mint's CPU in its cpuprofile, issue 13). Node's parser holds a body to
 * its Content-Length. Chunked bodies are counted by bodyLimit as they stream.
 */
export function apiBodyLimit(maxSize: number): MiddlewareHandler {
  const tooLarge = () => {
    throw httpError('payload_too_large')
  }
  const limit = bodyLimit({ maxSize, onError: tooLarge })
  return (c, next) => {
    if (c.req.method !== 'POST') return next()
    const length = c.req.header('content-length')
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return limit(c, next)
    return Number.parseInt(length, 10) > maxSize ? tooLarge() : next()
  }
}
