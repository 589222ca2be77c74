/** @module While draining (the first step of shutdown) health answers 503 and new WebSocket upgrades are refused. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { itLogsNoJwt, request } from '../helpers/http.js'
import { TestClient } from '../helpers/ws-client.js'

describe('draining', () => {
  let server: TestServer
  let peer: TestClient
  let token: string
  beforeAll(async () => {
    server = await startTestServer()
    token = await server.token('alice', 'drain-room')
    peer = (await TestClient.join(server.ws, token)).client
    await server.core.shutdown()
  })
  afterAll(async () => {
    await server.close()
  })

  it('closed the joined peer with 1001', async () => {
    expect((await peer.waitClose()).code).toBe(1001)
  })

  it('answers GET /api/health with 503 and status draining', async () => {
    const res = await request(`${server.http}/api/health`)
    expect(res.status).toBe(503)
    expect(res.json).toMatchObject({ status: 'draining', timestamp: expect.any(Number) })
  })

  it('refuses a new upgrade with 503', async () => {
    // The Node adapter answers a refused upgrade with the status and headers only, no body.
    const err = (await TestClient.open(server.ws).then(
      () => null,
      (e: unknown) => e,
    )) as { status?: number } | null
    expect(err?.status).toBe(503)
  })

  it('still answers plain HTTP on the WebSocket path with 426', async () => {
    const res = await request(`${server.http}/ws`)
    expect(res.status).toBe(426)
    expect(res.json).toMatchObject({ code: 'upgrade_required' })
  })

  it('shows the room emptied', async () => {
    const res = await request(`${server.http}/api/rooms/drain-room`)
    expect([200, 404]).toContain(res.status)
    if (res.status === 200) expect(res.json.peerCount).toBe(0)
  })

  itLogsNoJwt(() => [server])
})
