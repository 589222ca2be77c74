/** @module POST /api/auth/token over real HTTP in development: the seed's curl, every bad input, the rate limit. */
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { itLogsNoJwt, JWT_PATTERN, postJson, request } from '../helpers/http.js'
import { TestClient } from '../helpers/ws-client.js'

const run = promisify(execFile)
const hasCurl = spawnSync('curl', ['--version']).status === 0

describe('POST /api/auth/token (development)', () => {
  let server: TestServer
  let url: string
  beforeAll(async () => {
    server = await startTestServer()
    url = `${server.http}/api/auth/token`
  })
  afterAll(async () => {
    await server.close()
  })

  it("answers the seed README's exact curl with a success body and a JWT", async (ctx) => {
    if (!need('curl', hasCurl, 'install curl to run the README example verbatim')) return ctx.skip()
    const { stdout } = await run('curl', [
      '-sS',
      '-X',
      'POST',
      url,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{\n    "userId": "alice",\n    "roomId": "doc-123"\n  }',
      '-w',
      '\n%{http_code}',
    ])
    const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)]
    expect(status).toBe('200')
    const json = JSON.parse(body) as Record<string, unknown>
    expect(json).toMatchObject({ status: 'success', expiresIn: '1 hour', userId: 'alice', roomId: 'doc-123', token: expect.any(String) })
    const token = json.token as string
    expect(token).toMatch(JWT_PATTERN)
    expect(decodeProtectedHeader(token).alg).toBe('HS256')
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', room: 'doc-123' })
  })

  it('mints a token the WebSocket accepts for that user and room', async () => {
    const res = await postJson(url, { userId: 'alice', roomId: 'doc-123' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const { client, reply } = await TestClient.join(server.ws, res.json.token, { userId: 'alice', roomId: 'doc-123' })
    expect(reply).toMatchObject({ userId: 'alice', roomId: 'doc-123', data: { status: 'authenticated' } })
    await client.close()
  })

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const res = await postJson(url, '{"userId": "alice", "roomId": ')
    expect(res.status).toBe(400)
    expect(res.json).toEqual({ error: expect.any(String), code: 'invalid_json' })
  })

  it.each([
    ['text/plain', 'text/plain'],
    ['form-encoded', 'application/x-www-form-urlencoded'],
    ['missing', undefined],
  ])('refuses a %s Content-Type with 415', async (_label, type) => {
    const res = await request(url, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: '{"userId":"alice","roomId":"doc-123"}' })
    expect(res.status).toBe(415)
    expect(res.json).toEqual({ error: expect.any(String), code: 'unsupported_media_type' })
    expect(res.text).not.toMatch(JWT_PATTERN)
  })

  it.each([
    ['an empty body object', {}],
    ['a missing roomId', { userId: 'alice' }],
    ['an empty userId', { userId: '', roomId: 'doc-123' }],
    ['a 65-character userId', { userId: 'u'.repeat(65), roomId: 'doc-123' }],
    ['a path-like roomId', { userId: 'alice', roomId: '../x' }],
    ['a Redis hash-tag roomId', { userId: 'alice', roomId: '{x}' }],
    ['a colon in userId', { userId: 'a:b', roomId: 'doc-123' }],
    ['__proto__ as roomId', { userId: 'alice', roomId: '__proto__' }],
    ['a Cyrillic look-alike userId', { userId: '\u0430lice', roomId: 'doc-123' }],
    ['a numeric userId', { userId: 42, roomId: 'doc-123' }],
    ['a JSON array', ['alice', 'doc-123']],
  ])('refuses %s with 400 invalid_body and no token', async (_label, body) => {
    const res = await postJson(url, body)
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'invalid_body', error: expect.any(String) })
    expect(res.json.token).toBeUndefined()
  })

  it('does not echo the submitted values in a 400', async () => {
    const marker = 'ZZmarkerZZ:<script>'
    const res = await postJson(url, { userId: marker, roomId: `${marker}-room` })
    expect(res.status).toBe(400)
    expect(res.text).not.toContain('ZZmarkerZZ')
    expect(res.text).not.toContain('<script>')
  })

  it('refuses a body over 16 KiB with 413 payload_too_large', async () => {
    const res = await postJson(url, { userId: 'alice', roomId: 'doc-123', pad: 'x'.repeat(17 * 1024) })
    expect(res.status).toBe(413)
    expect(res.json).toEqual({ error: expect.any(String), code: 'payload_too_large' })
  })

  it('refuses a chunked body over 16 KiB with 413', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ userId: 'alice', roomId: 'doc-123', pad: 'x'.repeat(17 * 1024) }))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 4096) controller.enqueue(big.slice(i, i + 4096))
        controller.close()
      },
    })
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    expect(res.json).toMatchObject({ code: 'payload_too_large' })
  })

  it('answers GET on the mint path with a JSON 404', async () => {
    const res = await request(url)
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({ code: 'not_found' })
  })

  itLogsNoJwt(() => [server])
})

describe('POST /api/auth/token rate limit', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_RATE_LIMIT: '3' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('answers the 4th request in a minute with 429, Retry-After and code rate_limited', async () => {
    const url = `${server.http}/api/auth/token`
    for (let i = 0; i < 3; i++) expect((await postJson(url, { userId: `u${i}`, roomId: 'r' })).status).toBe(200)
    const res = await postJson(url, { userId: 'u4', roomId: 'r' })
    expect(res.status).toBe(429)
    expect(res.json).toMatchObject({ code: 'rate_limited', error: expect.any(String) })
    expect(res.text).not.toMatch(JWT_PATTERN)
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
  })

  it('keeps counting invalid requests and ignores a spoofed X-Forwarded-For', async () => {
    const res = await postJson(`${server.http}/api/auth/token`, '{', { 'x-forwarded-for': '203.0.113.99' })
    expect(res.status).toBe(429)
  })

  it('counts per forwarded client address behind TRUST_PROXY=1', async () => {
    const proxied = await startTestServer({ TOKEN_RATE_LIMIT: '1', TRUST_PROXY: '1' })
    try {
      // The proxy appends the address it saw; whatever the client put before it is not trusted.
      const mint = (client: string, spoofed = '198.51.100.9') =>
        postJson(`${proxied.http}/api/auth/token`, { userId: 'u', roomId: 'r' }, { 'x-forwarded-for': `${spoofed}, ${client}` })
      expect((await mint('203.0.113.1')).status).toBe(200)
      expect((await mint('203.0.113.1', '198.51.100.10')).status).toBe(429)
      expect((await mint('203.0.113.2')).status).toBe(200)
    } finally {
      await proxied.close()
    }
  })

  itLogsNoJwt(() => [server])
})
