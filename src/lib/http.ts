/** @module HTTP plumbing shared by the routes: JSON bodies, the error handler, the 404 handler. */
import { zValidator } from '@hono/zod-validator'
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ZodType } from 'zod'
import { errorBody, httpError, type ErrorCode } from '../errors.js'
import type { Logger } from './logger.js'

/** Refuses bodies that are not declared JSON (a text/plain POST is a CSRF-able "simple request"). */
export const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) throw httpError('unsupported_media_type')
  await next()
}

/** Content-Type check, then zod validation of the JSON body; failures list paths and messages, never values. */
export function jsonBody<T extends ZodType>(schema: T) {
  const validate = zValidator('json', schema, (result) => {
    if (result.success) return
    const issues = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    throw httpError('invalid_body', undefined, `Request body is invalid: ${issues.join('; ')}`)
  })
  return [requireJson, validate] as const
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_body',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
}

/** Our own HTTPExceptions carry their response; others map by status; anything else is a logged 500. */
export function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse()
      if (err.status === 400 && /malformed json/i.test(err.message)) return c.json(errorBody('invalid_json'), 400)
      const code = STATUS_CODES[err.status]
      if (code) return c.json(errorBody(code), err.status)
    }
    logger.error('unhandled error', { err, path: c.req.path, method: c.req.method })
    return c.json(errorBody('internal_error'), 500)
  }
}

export const notFound: NotFoundHandler = (c: Context) => c.json(errorBody('not_found'), 404)
