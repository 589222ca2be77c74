/**
 * @module Issue 9 finding 9: in production an anonymous caller gets the seed's health shape (status, a memory summary,
 * timestamp) and an info answer that does not say how minting is configured; the details are for admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, bearer, ISSUER_KEY, productionEnv, request } from '../helpers/http.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

describe('public endpoints in production', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer(productionEnv({ ADMIN_TOKEN: ADMIN_KEY, TOKEN_ISSUER_KEY: ISSUER_KEY }))
  })
  afterAll(() => server.close())

  it('health: status, a memory summary and a timestamp for anonymous callers, nothing else', async () => {
    const res = await request(`${server.http}/api/health`)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'ok', memory: { status: expect.stringMatching(/^(ok|warning|critical|unknown)$/) }, timestamp: expect.any(Number) })
    // A wrong admin key is anonymous too.
    expect(Object.keys((await request(`${server.http}/api/health`, { headers: bearer(`${ADMIN_KEY}x`) })).json)).toEqual(['status', 'memory', 'timestamp'])
  })

  it('health: the details (RSS, heap, thresholds, storage, uptime) with the admin key', async () => {
    const res = await request(`${server.http}/api/health`, { headers: bearer(ADMIN_KEY) })
    expect(res.json).toMatchObject({
      status: 'ok',
      memory: { status: expect.any(String), rssMb: expect.any(Number), heapUsedMb: expect.any(Number), thresholds: expect.any(Object) },
      storage: { backend: 'memory', ok: true },
      uptime: expect.any(Number),
    })
  })

  it('info: no word on minting or token settings for anonymous callers; admin sees them', async () => {
    const anonymous = await request(`${server.http}/api/info`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.json).toMatchObject({ name: 'OctateCode P2P Backend', endpoints: expect.any(Object) })
    expect(anonymous.text).not.toMatch(/minting|tokenTtl/i)
    expect(anonymous.json.auth).toBeUndefined()
    const admin = await request(`${server.http}/api/info`, { headers: bearer(ADMIN_KEY) })
    expect(admin.json.auth).toEqual({ mintingOpen: false, tokenTtlSeconds: 3600, singleUseTokens: true })
  })
})

describe('public endpoints in development (admin routes open): details for everyone', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({})
  })
  afterAll(() => server.close())

  it('health and info keep their details', async () => {
    expect((await request(`${server.http}/api/health`)).json).toMatchObject({ storage: { backend: 'memory' }, memory: { rssMb: expect.any(Number) } })
    expect((await request(`${server.http}/api/info`)).json.auth).toMatchObject({ mintingOpen: true })
  })
})
