/** @module /demo (served per DEMO) and the ICE servers in the auth reply and at GET /api/ice-servers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('/demo', () => {
  it('serves the page and its script in development', async () => {
    const server = await startTestServer()
    try {
      const page = await fetch(`${server.http}/demo`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await page.text()).toContain('<script type="module" src="/demo/demo.js"></script>')
      const script = await fetch(`${server.http}/demo/demo.js`)
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(await script.text()).toContain('/api/auth/token')
    } finally {
      await server.close()
    }
  })

  it('is not there with DEMO=false (nor in production unless DEMO=true)', async () => {
    const server = await startTestServer({ DEMO: 'false' })
    try {
      expect((await server.api('/demo')).body).toMatchObject({ code: 'not_found' })
      expect((await server.api('/demo/demo.js')).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})

describe('ICE servers for clients', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ STUN_URLS: 'stun:stun.example:3478', TURN_SECRET: 'a-turn-secret-for-tests', TURN_URLS: 'turn:turn.example:3478' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('puts them in the auth reply, with credentials for the authenticated user', async () => {
    const { client, reply } = await TestClient.join(server.ws, await server.token('alice', 'ice-room'))
    expect(reply.data?.iceServers).toEqual([
      { urls: ['stun:stun.example:3478'] },
      { urls: ['turn:turn.example:3478'], username: expect.stringMatching(/^\d+:alice$/), credential: expect.any(String) },
    ])
    client.ws.close()
  })

  it('answers GET /api/ice-servers for a room token only, uncached, and never logs the secret', async () => {
    const token = await server.token('bob', 'ice-room')
    const res = await fetch(`${server.http}/api/ice-servers`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { iceServers: { username?: string }[]; expiresAt: number; ttlSeconds: number }
    expect(body.ttlSeconds).toBe(86_400)
    expect(body.iceServers[1]?.username).toBe(`${body.expiresAt / 1000}:bob`)
    const refused = await server.api('/api/ice-servers', { headers: { authorization: 'Basic x' } })
    expect(refused).toMatchObject({ status: 401, body: { code: 'unauthorized' } })
    expect(server.logs.join('\n')).not.toContain('a-turn-secret-for-tests')
  })
})
