/** @module Public HTTP surface: health, info, 404s, security headers on every response, CORS from CORS_ORIGINS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { itLogsNoJwt, postJson, request, type JsonResponse } from '../helpers/http.js'

const ALLOWED = 'https://app.example'

const preflightFrom = (server: TestServer, origin: string) =>
  request(`${server.http}/api/auth/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })

function expectSecurityHeaders(res: JsonResponse) {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  expect(res.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/)
  expect(res.headers.get('x-powered-by')).toBeNull()
}

describe('public HTTP surface', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: ALLOWED })
  })
  afterAll(async () => {
    await server.close()
  })

  it('answers GET /api/health with status ok, memory and timestamp', async () => {
    const before = Date.now()
    const res = await request(`${server.http}/api/health`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'ok', memory: { status: expect.any(String), rssMb: expect.any(Number) }, timestamp: expect.any(Number) })
    expect(res.json.timestamp).toBeGreaterThanOrEqual(before)
    expect(res.json.timestamp).toBeLessThanOrEqual(Date.now())
  })

  it('answers GET /api/info with the product name and version', async () => {
    const res = await request(`${server.http}/api/info`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ name: 'OctateCode P2P Backend', version: '2.0.0', endpoints: expect.any(Object) })
  })

  const unknown = ['/nope', '/api/nope', '/api/auth/nope', '/api/rooms/a/b/c', '/.env', '/api/health/x']
  it.each(unknown)('answers unknown route %s with 404 JSON', async (path) => {
    const res = await request(`${server.http}${path}`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.json).toEqual({ error: expect.any(String), code: 'not_found' })
  })

  it('answers an unknown method on a known path with 404 JSON, not a stack trace', async () => {
    const res = await request(`${server.http}/api/health`, { method: 'DELETE' })
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({ code: 'not_found' })
  })

  it('sets the security headers on 200, 404, 400, 413 and 415 responses', async () => {
    expectSecurityHeaders(await request(`${server.http}/api/health`))
    expectSecurityHeaders(await request(`${server.http}/api/nope`))
    expectSecurityHeaders(await request(`${server.http}/nope`))
    expectSecurityHeaders(await postJson(`${server.http}/api/auth/token`, '{'))
    expectSecurityHeaders(await postJson(`${server.http}/api/auth/token`, { pad: 'x'.repeat(20_000) }))
    expectSecurityHeaders(await request(`${server.http}/api/auth/token`, { method: 'POST', body: '{}' }))
  })

  it('answers a CORS preflight from an allowed origin with that origin and Vary: Origin', async () => {
    const res = await request(`${server.http}/api/auth/token`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/i)
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('gives no Access-Control-Allow-Origin to another origin', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null', `${ALLOWED}:8443`]) {
      const preflight = await preflightFrom(server, origin)
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull()
      const simple = await request(`${server.http}/api/health`, { headers: { origin } })
      expect(simple.headers.get('access-control-allow-origin'), origin).toBeNull()
    }
  })

  it('gives the allowed origin on a simple request', async () => {
    const res = await request(`${server.http}/api/health`, { headers: { origin: ALLOWED } })
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/i)
  })

  it('tells caches that a response without Origin varies by it, on GET and POST', async () => {
    const get = await request(`${server.http}/api/health`)
    expect(get.headers.get('access-control-allow-origin')).toBeNull()
    expect(get.headers.get('vary')).toMatch(/\bOrigin\b/i)
    const post = await request(`${server.http}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(post.status).toBe(400)
    expect(post.headers.get('vary')).toMatch(/\bOrigin\b/i)
  })

  it('limits POST bodies and never reads a GET body', async () => {
    const big = JSON.stringify({ userId: 'u', roomId: 'r', pad: 'x'.repeat(20_000) })
    const post = await request(`${server.http}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(post.status).toBe(413)
    expect(post.json.code).toBe('payload_too_large')
  })

  it('counts a chunked body as it streams: over the limit 413, under it read as usual', async () => {
    const chunked = (text: string) => {
      const body = new ReadableStream({
        start(controller) {
          for (let i = 0; i < text.length; i += 4096) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 4096)))
          controller.close()
        },
      })
      return request(`${server.http}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit)
    }
    const big = await chunked(JSON.stringify({ userId: 'u', roomId: 'r', pad: 'x'.repeat(20_000) }))
    expect(big.status).toBe(413)
    expect(big.json.code).toBe('payload_too_large')
    const small = await chunked(JSON.stringify({ userId: 'chunky', roomId: 'r' }))
    expect(small.status).toBe(200)
    expect(small.json.userId).toBe('chunky')
  })

  itLogsNoJwt(() => [server])
})

describe('CORS without CORS_ORIGINS in development', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  it('allows any origin with * and never with credentials', async () => {
    const res = await preflightFrom(server, 'https://any.example')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
  })

  itLogsNoJwt(() => [server])
})
