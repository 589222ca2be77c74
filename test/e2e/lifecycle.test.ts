/** @module Peer and room lifecycle: heartbeat, idle expiry, leaving, empty and inactive rooms, churn, shutdown. */
import { describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { joinAll, ofType, presence, settled, until, withServer } from './support/scenario.js'

describe('heartbeat and idle peers', () => {
  it('answers a heartbeat frame with type heartbeat', () =>
    withServer({}, async (server) => {
      const { alice } = await joinAll(server, 'hb', ['alice'])
      alice.send({ type: 'heartbeat', timestamp: Date.now() })
      const answer = await alice.next()
      expect(answer).toEqual({ type: 'heartbeat', roomId: 'hb', userId: 'alice', data: { status: 'ok' }, timestamp: expect.any(Number) })
      await alice.close()
    }))

  it('closes a silent peer with 4010 and the room gets peer-left with reason timeout exactly once', () =>
    withServer({ PEER_HEARTBEAT_TIMEOUT: '1000', CLEANUP_INTERVAL: '100' }, async (server) => {
      // Taken before the join, so it is no later than the server's last sight of the silent peer.
      const lastFrameAt = Date.now()
      const { watcher, silent } = await joinAll(server, 'idle', ['watcher', 'silent'])
      const beat = setInterval(() => watcher.send({ type: 'heartbeat' }), 200)
      try {
        expect(await silent.next(undefined, 4000)).toMatchObject({ type: 'error', data: { code: 'idle_timeout' } })
        expect((await silent.waitClose()).code).toBe(4010)
        expect(Date.now() - lastFrameAt).toBeGreaterThanOrEqual(1000)
        expect(await watcher.next('peer-left')).toMatchObject({ userId: 'silent', data: { userId: 'silent', reason: 'timeout' } })
      } finally {
        clearInterval(beat)
      }
      await settled(server, 1)
      await server.api('/api/maintenance/cleanup', { method: 'POST' })
      expect(ofType(await watcher.sync(), 'peer-left')).toEqual([])
      expect(watcher.closed).toBeNull()
      expect((await server.api('/api/rooms/idle')).body.peers.map((p: { userId: string }) => p.userId)).toEqual(['watcher'])
      await watcher.close()
    }))
})

describe('leaving', () => {
  it('acknowledges leave-room, closes with 1000 and announces reason left exactly once', () =>
    withServer({}, async (server) => {
      const { watcher, alice } = await joinAll(server, 'leave', ['watcher', 'alice'])
      alice.send({ type: 'leave-room' })
      const ack = await alice.next()
      expect(ack).toEqual({ type: 'leave-room', roomId: 'leave', userId: 'alice', data: { status: 'left' }, timestamp: expect.any(Number) })
      expect((await alice.waitClose()).code).toBe(1000)
      expect(await watcher.next()).toMatchObject({ type: 'peer-left', userId: 'alice', data: { reason: 'left' } })
      await settled(server, 1)
      expect(presence(await watcher.sync())).toEqual([])
      await watcher.close()
    }))

  it('announces a plain close exactly once with reason disconnected', () =>
    withServer({}, async (server) => {
      const { watcher, alice } = await joinAll(server, 'plain', ['watcher', 'alice'])
      await alice.close()
      expect(await watcher.next()).toMatchObject({ type: 'peer-left', userId: 'alice', data: { userId: 'alice', reason: 'disconnected' } })
      await settled(server, 1)
      await server.api('/api/maintenance/cleanup', { method: 'POST' })
      expect(presence(await watcher.sync())).toEqual([])
      await watcher.close()
    }))

  it('processes frames sent right after auth, before its reply, after the join', () =>
    withServer({}, async (server) => {
      const { watcher } = await joinAll(server, 'eager', ['watcher'])
      const eager = await TestClient.open(server.ws)
      eager.send({ type: 'auth', data: { token: await server.token('eager', 'eager') } })
      eager.send({ type: 'sdp-offer', targetUserId: 'watcher', data: { type: 'offer', sdp: 'v=0' } })
      eager.send({ type: 'heartbeat' })
      expect((await eager.next()).type).toBe('auth')
      expect((await eager.next()).type).toBe('heartbeat')
      expect((await watcher.next()).type).toBe('peer-joined')
      expect(await watcher.next()).toMatchObject({ type: 'sdp-offer', from: 'eager' })
      await eager.close()
      await watcher.close()
    }))
})

describe('room lifetime', () => {
  it('deletes an empty room after ROOM_EMPTY_GRACE', () =>
    withServer({ ROOM_EMPTY_GRACE: '300', CLEANUP_INTERVAL: '100' }, async (server) => {
      const { alice } = await joinAll(server, 'ephemeral', ['alice'])
      const leftAt = Date.now()
      await alice.close()
      await settled(server, 0)
      const during = await server.api('/api/rooms/ephemeral')
      expect(during.status).toBe(200)
      expect(during.body.peerCount).toBe(0)
      await until(async () => (await server.api('/api/rooms/ephemeral')).status === 404, 'the empty room is deleted')
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(300)
    }))

  it('keeps a room whose peer rejoins within the grace', () =>
    withServer({ ROOM_EMPTY_GRACE: '60000', CLEANUP_INTERVAL: '100' }, async (server) => {
      const { alice } = await joinAll(server, 'comeback', ['alice'])
      const createdAt = (await server.api('/api/rooms/comeback')).body.createdAt
      await alice.close()
      await settled(server, 0)
      const { client, reply } = await TestClient.join(server.ws, await server.token('alice', 'comeback'))
      expect(reply.data?.status).toBe('authenticated')
      expect((await server.api('/api/rooms/comeback')).body.createdAt).toBe(createdAt)
      await client.close()
    }))

  it('closes an inactive room: peers get room-closed, then close 4011', () =>
    withServer({ ROOM_INACTIVITY_TIMEOUT: '1000', CLEANUP_INTERVAL: '100' }, async (server) => {
      const { alice, bob } = await joinAll(server, 'stale', ['alice', 'bob'])
      for (const c of [alice, bob]) {
        expect(await c.next(undefined, 4000)).toMatchObject({ type: 'room-closed', roomId: 'stale', data: { reason: 'inactive' } })
        expect((await c.waitClose()).code).toBe(4011)
      }
      expect((await server.api('/api/rooms/stale')).status).toBe(404)
      // A room that is gone tells nobody that its peers left one by one.
      expect(ofType(alice.frames, 'peer-left')).toEqual([])
    }))
})

describe('churn', () => {
  it('leaves no connection, peer or room state behind after sockets close at every stage', () =>
    withServer({ ROOM_EMPTY_GRACE: '0' }, async (server) => {
      const closes: Promise<unknown>[] = []
      for (let i = 0; i < 10; i++) {
        const token = await server.token(`u${i}`, `churn-${i % 3}`)
        // Closed before auth, right after sending auth, and after the reply.
        const early = await TestClient.open(server.ws)
        closes.push(early.close())
        const racing = await TestClient.open(server.ws)
        racing.send({ type: 'auth', data: { token } })
        closes.push(racing.close())
        const { client } = await TestClient.join(server.ws, token)
        closes.push(client.close())
      }
      await Promise.all(closes)
      await settled(server, 0)
      const { registry, rooms } = server.core.signaling
      // A join racing its own close may finish just after it, then undo itself: wait for the end state.
      const clean = async () =>
        registry.size === 0 &&
        registry.from('127.0.0.1') === 0 &&
        rooms.size === 0 &&
        (await server.api('/api/rooms')).body.rooms.every((r: { peerCount: number }) => r.peerCount === 0)
      await until(clean, 'no connection, local room or peer is left')
      await server.api('/api/maintenance/cleanup', { method: 'POST' })
      expect((await server.api('/api/rooms')).body.count).toBe(0)
    }))
})

describe('graceful shutdown', () => {
  it('refuses new upgrades with 503 once draining', () =>
    withServer({}, async (server) => {
      await server.core.shutdown()
      const refused = await TestClient.open(server.ws).then(
        () => null,
        (err: { status?: number }) => err.status,
      )
      expect(refused).toBe(503)
      expect((await server.api('/api/health')).status).toBe(503)
    }))

  it('closes every client with 1001, joined or not', async () => {
    const server = await startTestServer()
    const { alice, bob } = await joinAll(server, 'shutdown', ['alice', 'bob'])
    const pending = await TestClient.open(server.ws)
    const closes = Promise.all([alice, bob, pending].map((c) => c.waitClose()))
    await server.close()
    expect((await closes).map((c) => c.code)).toEqual([1001, 1001, 1001])
    // Peers of a draining server are not told about each other leaving: they all go.
    expect(ofType([...alice.frames, ...bob.frames], 'peer-left')).toEqual([])
  })
})
