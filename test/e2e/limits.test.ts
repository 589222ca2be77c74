/** @module Configured limits: message rate, room size, room count, connections per IP, Origin, memory. */
import { describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { joinAll, ofType, until } from './support/scenario.js'

/** Resolves with the HTTP status (and body) an upgrade was refused with; fails if it was accepted. */
async function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  try {
    const client = await TestClient.open(url, { headers })
    await client.close()
  } catch (err) {
    const { status, body } = err as { status?: number; body?: string }
    if (status !== undefined) return { status, body: body ?? '' }
    throw err
  }
  throw new Error('upgrade was accepted')
}

describe('message rate', () => {
  it('answers rate_limited once, then closes with 4008 when the excess goes on', async () => {
    const server = await startTestServer({ MESSAGE_RATE: '1', MESSAGE_BURST: '5' })
    try {
      const { alice, bob } = await joinAll(server, 'rate', ['alice', 'bob'])
      const ice = { type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } }
      for (let i = 0; i < 6; i++) alice.send(ice)
      for (let i = 0; i < 5; i++) expect((await bob.next()).type).toBe('ice-candidate')
      expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'rate_limited' } })
      for (let i = 0; i < 10; i++) alice.send(ice)
      expect((await alice.waitClose()).code).toBe(4008)
      // The warning is not repeated per dropped frame: one when dropping starts, one naming the close.
      expect(ofType(alice.frames, 'error').map((f) => f.data?.code)).toEqual(['rate_limited', 'rate_limited'])
      expect(await bob.next('peer-left')).toMatchObject({ userId: 'alice', data: { reason: 'rate_limited' } })
      expect(ofType(await bob.sync(), 'ice-candidate')).toEqual([])
      await bob.close()
    } finally {
      await server.close()
    }
  })
})

describe('slow consumer', () => {
  it('closes a peer that stops reading once its buffer passes MAX_BUFFERED_BYTES; the sender keeps working', async () => {
    const server = await startTestServer({ MAX_BUFFERED_BYTES: '65536', MESSAGE_RATE: '100000', MESSAGE_BURST: '100000' })
    try {
      const { alice, bob } = await joinAll(server, 'slow', ['alice', 'bob'])
      const bobSocket = (bob.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
      bobSocket.pause()
      const bobConn = [...server.core.signaling.registry.values()].find((c) => c.userId === 'bob')
      const offer = { type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'x'.repeat(60_000) } }
      // Loopback socket buffers take several MB before the server's own buffer grows; cap at 64 MB.
      for (let sent = 0; bobConn?.closeReason === null && sent < 1000; sent += 20) {
        for (let i = 0; i < 20; i++) alice.send(offer)
        await alice.sync()
      }
      expect(bobConn?.closeReason).toBe('slow_consumer')
      expect(await alice.next('peer-left', 8000)).toMatchObject({ userId: 'bob', data: { reason: 'slow_consumer' } })
      expect(await alice.sync()).toEqual([])
      bobSocket.resume()
      await bob.waitClose()
      await alice.close()
    } finally {
      await server.close()
    }
  })
})

describe('room and server capacity', () => {
  it('refuses a third peer with room_full 4004 and leaves the others untouched', async () => {
    const server = await startTestServer({ MAX_PEERS_PER_ROOM: '2' })
    try {
      const { alice, bob } = await joinAll(server, 'small', ['alice', 'bob'])
      const carol = await TestClient.open(server.ws)
      carol.send({ type: 'auth', data: { token: await server.token('carol', 'small') } })
      expect(await carol.next()).toMatchObject({ type: 'error', data: { code: 'room_full' } })
      expect((await carol.waitClose()).code).toBe(4004)
      for (const c of [alice, bob!]) expect((await c.sync()).filter((f) => f.type.startsWith('peer-'))).toEqual([])
      const room = await server.api('/api/rooms/small')
      expect(room.body.peers.map((p: { userId: string }) => p.userId)).toEqual(['alice', 'bob'])
      // The same user rejoining a full room replaces itself instead of counting twice.
      const { client: alice2, reply } = await TestClient.join(server.ws, await server.token('alice', 'small'))
      expect(reply.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['bob'])
      expect((await alice.waitClose()).code).toBe(4009)
      await alice2.close()
      await bob.close()
    } finally {
      await server.close()
    }
  })

  it('refuses a second room with rooms_exhausted 1013 while the first keeps working', async () => {
    const server = await startTestServer({ MAX_ROOMS: '1' })
    try {
      const { alice, bob } = await joinAll(server, 'only-room', ['alice', 'bob'])
      const carol = await TestClient.open(server.ws)
      carol.send({ type: 'auth', data: { token: await server.token('carol', 'second-room') } })
      expect(await carol.next()).toMatchObject({ type: 'error', data: { code: 'rooms_exhausted' } })
      expect((await carol.waitClose()).code).toBe(1013)
      expect((await server.api('/api/rooms/second-room')).status).toBe(404)
      alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } })
      expect(await bob.next()).toMatchObject({ type: 'ice-candidate', from: 'alice' })
      await alice.close()
      await bob.close()
    } finally {
      await server.close()
    }
  })

  it('refuses a third upgrade from one address with HTTP 429, and accepts again after one closes', async () => {
    const server = await startTestServer({ MAX_CONNECTIONS_PER_IP: '2' })
    try {
      const first = await TestClient.open(server.ws)
      const second = await TestClient.open(server.ws)
      const refused = await refusedUpgrade(server.ws)
      expect(refused.status).toBe(429)
      await first.close()
      // The server forgets the socket when it sees the close, which may follow the client's view a little.
      await until(() => server.core.signaling.registry.from('127.0.0.1') === 1, 'the server saw the close')
      const third = await TestClient.open(server.ws)
      await third.close()
      await second.close()
    } finally {
      await server.close()
    }
  })
})

describe('upgrade admission', () => {
  it('refuses upgrades with 503 at MAX_CONNECTIONS', async () => {
    const server = await startTestServer({ MAX_CONNECTIONS: '1' })
    try {
      const first = await TestClient.open(server.ws)
      expect((await refusedUpgrade(server.ws)).status).toBe(503)
      await first.close()
    } finally {
      await server.close()
    }
  })

  it('refuses a foreign Origin with 403 and accepts the allowed Origin and no Origin', async () => {
    const server = await startTestServer({ CORS_ORIGINS: 'https://app.example' })
    try {
      const refused = await refusedUpgrade(server.ws, { origin: 'https://evil.example' })
      expect(refused.status).toBe(403)
      for (const headers of [{ origin: 'https://app.example' }, {}] as Record<string, string>[]) {
        const client = await TestClient.open(server.ws, { headers })
        expect(client.ws.readyState).toBe(client.ws.OPEN)
        await client.close()
      }
      // The refusal comes before any socket exists, on every WebSocket path.
      expect((await refusedUpgrade(`ws://127.0.0.1:${server.port}/`, { origin: 'https://app.example.evil.example' })).status).toBe(403)
    } finally {
      await server.close()
    }
  })

  it('refuses upgrades with 503 while memory is critical', async () => {
    const server = await startTestServer({ MEMORY_WARNING_THRESHOLD: '1', MEMORY_CRITICAL_THRESHOLD: '2' })
    try {
      expect((await refusedUpgrade(server.ws)).status).toBe(503)
      // HTTP keeps answering, so operators can see why.
      const health = await server.api('/api/health')
      expect(health.status).toBe(200)
      expect(health.body.memory.status).toBe('critical')
    } finally {
      await server.close()
    }
  })
})
