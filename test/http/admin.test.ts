/** @module The admin surface (rooms, stats, audit, maintenance, metrics): Bearer ADMIN_TOKEN, production refusal, path variants. */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ADMIN_KEY, bearer, itLogsNoJwt, productionEnv, request } from '../helpers/http.js'
import { TestClient } from '../helpers/ws-client.js'

const ROOM = 'admin-room'

/** Every admin route; `ok` is the status the right credential gets (gc is unavailable in process). */
const ADMIN_ROUTES: { method: 'GET' | 'POST'; path: string; ok: number }[] = [
  { method: 'GET', path: '/api/stats', ok: 200 },
  { method: 'GET', path: '/api/rooms', ok: 200 },
  { method: 'GET', path: `/api/rooms/${ROOM}`, ok: 200 },
  { method: 'GET', path: `/api/rooms/${ROOM}/stats`, ok: 200 },
  { method: 'GET', path: `/api/rooms/${ROOM}/peers`, ok: 200 },
  { method: 'GET', path: '/api/audit', ok: 200 },
  { method: 'POST', path: '/api/maintenance/cleanup', ok: 200 },
  { method: 'POST', path: '/api/maintenance/gc', ok: 503 },
  { method: 'GET', path: '/metrics', ok: 200 },
]

const call = (server: TestServer, route: { method: string; path: string }, headers: Record<string, string> = {}) =>
  request(`${server.http}${route.path}`, { method: route.method, headers })

/** Sends the path byte for byte (fetch would normalise some variants). */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('admin surface with ADMIN_TOKEN', () => {
  let server: TestServer
  let peer: TestClient
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_TOKEN: ADMIN_KEY })
    peer = (await TestClient.join(server.ws, await server.token('alice', ROOM))).client
  })
  afterAll(async () => {
    await peer.close()
    await server.close()
  })

  it.each(ADMIN_ROUTES)('refuses $method $path without a credential with 401 JSON', async (route) => {
    const res = await call(server, route)
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ error: expect.any(String), code: 'unauthorized' })
    expect(res.text).not.toContain('alice')
  })

  it.each(ADMIN_ROUTES)('refuses $method $path with a wrong token of equal length with 401', async (route) => {
    const wrong = `${ADMIN_KEY.slice(0, -1)}${ADMIN_KEY.endsWith('z') ? 'y' : 'z'}`
    const res = await call(server, route, bearer(wrong))
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: 'unauthorized' })
  })

  it.each(ADMIN_ROUTES)('refuses $method $path with a room token or a malformed header with 401', async (route) => {
    const roomToken = await server.token('alice', ROOM)
    const basic = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` }
    for (const headers of [bearer(roomToken), basic, { authorization: ADMIN_KEY }]) {
      const res = await call(server, route, headers)
      expect(res.status).toBe(401)
      expect(res.json).toMatchObject({ code: 'unauthorized' })
    }
  })

  it.each(ADMIN_ROUTES)('answers $method $path with the admin token', async (route) => {
    const res = await call(server, route, bearer(ADMIN_KEY))
    expect(res.status).toBe(route.ok)
  })

  it.each([
    ['GET', '//api/stats'],
    ['GET', '/api//stats'],
    ['GET', '/api/stats/'],
    ['GET', '/API/stats'],
    ['GET', '/api/%73tats'],
    ['GET', '/api/stats?x=1'],
    ['GET', '/api/stats#frag'],
    ['GET', '/api/rooms/'],
    ['GET', '//api/rooms'],
    ['GET', `/api/rooms/${ROOM}/peers/`],
    ['GET', `/api/rooms/%61dmin-room/peers`],
    ['GET', '/Api/Audit'],
    ['POST', '//api/maintenance/cleanup'],
    ['POST', '/api//maintenance/gc'],
    ['POST', '/api/maintenance/gc/'],
    ['POST', '/api/%6Daintenance/cleanup'],
    ['POST', '/API/maintenance/cleanup'],
  ])('never answers %s %s with 200 without the admin token', async (method, path) => {
    const res = await rawRequest(server.port, method, path)
    expect([401, 404]).toContain(res.status)
    expect(res.body).not.toContain('alice')
    expect(JSON.parse(res.body)).toMatchObject({ code: expect.stringMatching(/^(unauthorized|not_found)$/) })
  })

  it('leaves public routes open', async () => {
    for (const path of ['/api/health', '/api/info', '/']) expect((await request(`${server.http}${path}`)).status).toBe(200)
  })

  itLogsNoJwt(() => [server])
})

describe('admin surface in production', () => {
  let disabled: TestServer
  let enabled: TestServer
  beforeAll(async () => {
    disabled = await startTestServer(productionEnv())
    enabled = await startTestServer(productionEnv({ ADMIN_TOKEN: ADMIN_KEY }))
  })
  afterAll(async () => {
    await disabled.close()
    await enabled.close()
  })

  it.each(ADMIN_ROUTES)('refuses $method $path with 403 admin_disabled when ADMIN_TOKEN is not set', async (route) => {
    for (const headers of [{}, bearer(ADMIN_KEY)]) {
      const res = await call(disabled, route, headers)
      expect(res.status).toBe(403)
      expect(res.json).toEqual({ error: expect.any(String), code: 'admin_disabled' })
    }
  })

  const variants = ['//api/stats', '/api/stats/', '/API/stats', '/api/%73tats', '//api/rooms']
  it.each(variants)('never answers GET %s with 200 when ADMIN_TOKEN is not set', async (path) => {
    const res = await rawRequest(disabled.port, 'GET', path)
    expect([403, 404]).toContain(res.status)
  })

  it('answers with the admin token and refuses without it when ADMIN_TOKEN is set', async () => {
    expect((await call(enabled, { method: 'GET', path: '/api/stats' })).status).toBe(401)
    expect((await call(enabled, { method: 'GET', path: '/api/stats' }, bearer(ADMIN_KEY))).status).toBe(200)
    expect((await call(enabled, { method: 'GET', path: '/api/rooms' }, bearer(ADMIN_KEY))).json).toEqual({ count: 0, rooms: [] })
  })

  it('keeps health and info public', async () => {
    expect((await request(`${disabled.http}/api/health`)).status).toBe(200)
    expect((await request(`${disabled.http}/api/info`)).status).toBe(200)
  })

  itLogsNoJwt(() => [disabled, enabled])
})
