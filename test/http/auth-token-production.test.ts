/** @module POST /api/auth/token in production: a server-side Bearer TOKEN_ISSUER_KEY is required, or minting is off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { bearer, ISSUER_KEY, itLogsNoJwt, JWT_PATTERN, postJson, productionEnv } from '../helpers/http.js'

describe('POST /api/auth/token (production)', () => {
  let withKey: TestServer
  let withoutKey: TestServer
  beforeAll(async () => {
    withKey = await startTestServer(productionEnv({ TOKEN_ISSUER_KEY: ISSUER_KEY }))
    withoutKey = await startTestServer(productionEnv())
  })
  afterAll(async () => {
    await withKey.close()
    await withoutKey.close()
  })

  const body = { userId: 'alice', roomId: 'doc-123' }

  it('refuses minting without a Bearer credential with 401 JSON', async () => {
    const res = await postJson(`${withKey.http}/api/auth/token`, body)
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ error: expect.any(String), code: 'unauthorized' })
    expect(res.text).not.toMatch(JWT_PATTERN)
  })

  it('refuses minting with a wrong issuer key of the same length with 401 JSON', async () => {
    const wrong = ISSUER_KEY.slice(0, -1) + (ISSUER_KEY.endsWith('x') ? 'y' : 'x')
    const res = await postJson(`${withKey.http}/api/auth/token`, body, bearer(wrong))
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: 'unauthorized' })
  })

  it('refuses a malformed Authorization header with 401 JSON', async () => {
    for (const authorization of ['Basic YWxpY2U6cHc=', 'Bearer', `Bearer ${ISSUER_KEY} extra`, 'Bearer !!!']) {
      const res = await postJson(`${withKey.http}/api/auth/token`, body, { authorization })
      expect(res.status, authorization).toBe(401)
      expect(res.json).toMatchObject({ code: 'unauthorized' })
    }
  })

  it('mints with the right issuer key', async () => {
    const res = await postJson(`${withKey.http}/api/auth/token`, body, bearer(ISSUER_KEY))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'success', expiresIn: '1 hour', userId: 'alice', roomId: 'doc-123' })
    expect(res.json.token).toMatch(JWT_PATTERN)
  })

  it('refuses minting with 403 minting_disabled when TOKEN_ISSUER_KEY is not set', async () => {
    const res = await postJson(`${withoutKey.http}/api/auth/token`, body)
    expect(res.status).toBe(403)
    expect(res.json).toEqual({ error: expect.any(String), code: 'minting_disabled' })
    expect(res.text).not.toMatch(JWT_PATTERN)
  })

  itLogsNoJwt(() => [withKey, withoutKey])
})
