/**
 * What is particular to the Workers entry on workerd (Miniflare), beyond the scenario suite: one object per room,
 * AUTH_SECRET required, the room required on the URL, /yjs not served. The wrong-room token and room isolation run in
 * the suite (scenarios/url-room.ts) on every target, this one included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET } from '../helpers/server.js'
import { startWorker, type RunningWorker } from '../helpers/workers.js'
import { TestClient } from '../helpers/ws-client.js'

const ENV = { NODE_ENV: 'test', AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' }

async function refusal(url: string): Promise<{ status?: number; body?: string }> {
  return TestClient.open(url).then(
    async (c) => {
      await c.close()
      return {}
    },
    (err: { status?: number; body?: string }) => ({ status: err.status, body: err.body }),
  )
}

describe('the Workers entry', () => {
  let w: RunningWorker
  const base = () => `127.0.0.1:${w.port}`
  beforeAll(async () => {
    w = await startWorker(ENV)
  })
  afterAll(() => w.stop())

  async function join(userId: string, roomId: string, path = `/ws?room=${roomId}`) {
    const res = await fetch(`http://${base()}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roomId }) })
    const { token } = (await res.json()) as { token: string }
    const client = await TestClient.open(`ws://${base()}${path}`)
    client.send({ type: 'auth', data: { token } })
    expect((await client.next()).data?.status).toBe('authenticated')
    return client
  }

  /** The instance (object) that wrote each join of the audit trail, by room. */
  async function joinInstances(): Promise<Record<string, Set<string>>> {
    const { events } = (await (await fetch(`http://${base()}/api/audit?limit=1000`)).json()) as { events: { event: string; roomId: string; instanceId: string }[] }
    const out: Record<string, Set<string>> = {}
    for (const e of events) if (e.event === 'join') (out[e.roomId] ??= new Set()).add(e.instanceId)
    return out
  }

  it('runs two rooms in two objects, and both sockets of one room in the same object', async () => {
    const clients = [await join('alice', 'room-a'), await join('bob', 'room-a', '/ws/room-a'), await join('carol', 'room-b')]
    const byRoom = await joinInstances()
    expect(byRoom['room-a']?.size).toBe(1)
    expect(byRoom['room-b']?.size).toBe(1)
    expect([...byRoom['room-a']!][0]).not.toBe([...byRoom['room-b']!][0])
    for (const c of clients) await c.close()
  })

  it('lists rooms, and answers a room route, from the room objects', async () => {
    const alice = await join('alice', 'listed')
    const list = (await (await fetch(`http://${base()}/api/rooms`)).json()) as { rooms: { roomId: string; peerCount: number }[] }
    expect(list.rooms.find((r) => r.roomId === 'listed')).toMatchObject({ peerCount: 1 })
    const peers = (await (await fetch(`http://${base()}/api/rooms/listed/peers`)).json()) as { count: number }
    expect(peers.count).toBe(1)
    await alice.close()
  })

  it('refuses an upgrade without a room with 400 room_required, and /yjs with 501 not_configured', async () => {
    for (const path of ['/ws', '/']) {
      const r = await refusal(`ws://${base()}${path}`)
      expect(r.status).toBe(400)
      expect(JSON.parse(r.body ?? '')).toMatchObject({ code: 'room_required' })
    }
    const yjs = await refusal(`ws://${base()}/yjs?token=x`)
    expect(yjs.status).toBe(501)
    expect(JSON.parse(yjs.body ?? '')).toMatchObject({ code: 'not_configured' })
  })
})

describe('the Workers entry without AUTH_SECRET', () => {
  let w: RunningWorker
  beforeAll(async () => {
    w = await startWorker({ NODE_ENV: 'test', LOG_LEVEL: 'warn' })
  })
  afterAll(() => w.stop())

  it('refuses to serve HTTP and WebSocket with 500 not_configured naming the variable', async () => {
    const res = await fetch(`http://127.0.0.1:${w.port}/api/health`)
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ code: 'not_configured', error: expect.stringContaining('AUTH_SECRET is required on Workers') })
    const ws = await refusal(`ws://127.0.0.1:${w.port}/ws?room=r1`)
    expect(ws.status).toBe(500)
  })
})
