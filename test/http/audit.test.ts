/** @module GET /api/audit after real WebSocket sessions, and the maintenance endpoints, in process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { itLogsNoJwt, JWT_PATTERN, request } from '../helpers/http.js'
import { TestClient } from '../helpers/ws-client.js'

const ROOM = 'audit-room'
/** The test clients connect from loopback (IPv4, possibly IPv4-mapped IPv6). */
const LOOPBACK = expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/)

interface AuditEntry {
  time: number
  event: string
  userId: string | null
  roomId: string | null
  reason: string | null
  remoteAddress: string | null
}

describe('GET /api/audit', () => {
  let server: TestServer
  let events: AuditEntry[]
  let auditText: string
  beforeAll(async () => {
    server = await startTestServer()
    const observer = (await TestClient.join(server.ws, await server.token('observer', ROOM))).client

    const intruder = await TestClient.open(server.ws)
    intruder.send({ type: 'auth', userId: 'mallory', roomId: ROOM, data: { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.forged' } })
    await intruder.waitClose()

    const first = (await TestClient.join(server.ws, await server.token('alice', ROOM))).client
    await observer.next('peer-joined')
    const second = (await TestClient.join(server.ws, await server.token('alice', ROOM))).client
    expect((await first.waitClose()).code).toBe(4009)
    await second.close()
    await observer.next('peer-left')
    await observer.close()

    const res = await request(`${server.http}/api/audit`)
    expect(res.status).toBe(200)
    events = res.json.events
    auditText = res.text
  })
  afterAll(async () => {
    await server.close()
  })

  const find = (event: string, userId: string | null) => events.filter((e) => e.event === event && e.userId === userId)

  it('records auth successes with user, room and remote address', () => {
    const [success] = find('auth_success', 'alice')
    expect(success).toMatchObject({ roomId: ROOM, reason: null, time: expect.any(Number) })
    expect(success?.remoteAddress).toEqual(LOOPBACK)
  })

  it('records auth failures with the reason', () => {
    const failures = events.filter((e) => e.event === 'auth_failure')
    expect(failures).toEqual([expect.objectContaining({ userId: 'mallory', roomId: ROOM, reason: 'token_invalid', remoteAddress: LOOPBACK })])
  })

  it('records joins and leaves', () => {
    expect(find('join', 'alice')).toHaveLength(2)
    expect(find('join', 'observer')).toEqual([expect.objectContaining({ roomId: ROOM, reason: 'room created' })])
    expect(find('leave', 'alice')).toEqual([expect.objectContaining({ roomId: ROOM, reason: expect.any(String), remoteAddress: LOOPBACK })])
  })

  it('records the replacement of a socket by the same user', () => {
    expect(find('replace', 'alice')).toEqual([expect.objectContaining({ roomId: ROOM, reason: expect.any(String) })])
  })

  it('never contains a token', () => {
    expect(auditText).not.toMatch(JWT_PATTERN)
    expect(auditText).not.toContain('forged')
  })

  it('honours limit and refuses a bad one', async () => {
    const two = await request(`${server.http}/api/audit?limit=2`)
    expect(two.json.count).toBe(2)
    expect(two.json.events).toHaveLength(2)
    for (const limit of ['0', '1001', 'abc', '-1']) {
      const res = await request(`${server.http}/api/audit?limit=${limit}`)
      expect(res.status, limit).toBe(400)
      expect(res.json).toMatchObject({ code: 'invalid_body' })
    }
  })

  itLogsNoJwt(() => [server])
})

describe('POST /api/maintenance/*', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ ROOM_EMPTY_GRACE: '0' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('cleans up an empty room and reports the counts before and after', async () => {
    const { client } = await TestClient.join(server.ws, await server.token('alice', 'emptied'))
    const { client: stay } = await TestClient.join(server.ws, await server.token('bob', 'kept'))
    await client.close()
    await expect.poll(async () => (await request(`${server.http}/api/rooms/emptied`)).json.peerCount).toBe(0)

    const res = await request(`${server.http}/api/maintenance/cleanup`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      before: { rooms: 2, peers: 1 },
      after: { rooms: 1, peers: 1 },
      cleaned: { deletedRooms: 1, expiredPeers: 0, idleClosed: 0 },
      timestamp: expect.any(Number),
    })
    expect((await request(`${server.http}/api/rooms`)).json.rooms.map((r: { roomId: string }) => r.roomId)).toEqual(['kept'])
    const audit = await request(`${server.http}/api/audit`)
    expect(audit.json.events).toContainEqual(expect.objectContaining({ event: 'room_deleted', roomId: 'emptied' }))
    await stay.close()
  })

  it.skipIf(typeof (globalThis as { gc?: unknown }).gc === 'function')('answers gc with 503 gc_unavailable without --expose-gc', async () => {
    const res = await request(`${server.http}/api/maintenance/gc`, { method: 'POST' })
    expect(res.status).toBe(503)
    expect(res.json).toEqual({ error: expect.stringContaining('--expose-gc'), code: 'gc_unavailable' })
  })

  it('refuses GET on the maintenance routes', async () => {
    expect((await request(`${server.http}/api/maintenance/cleanup`)).status).toBe(404)
    expect((await request(`${server.http}/api/maintenance/gc`)).status).toBe(404)
  })

  itLogsNoJwt(() => [server])
})
