/**
 * @module The browser client library driven from Node (the `ws` package stands in for the browser's WebSocket):
 * against the real server, and against a fake server that sends frames outside the protocol.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { connect, ConnectError, type ClientEvents, type SignalingClient } from '../../src/client/index.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const WS = WebSocket as unknown as new (url: string) => globalThis.WebSocket
const ROOM = 'doc-123'

/** Resolves with the next `type` event of `client`. */
const next = <K extends keyof ClientEvents>(client: SignalingClient, type: K): Promise<ClientEvents[K]> =>
  new Promise((resolve) => {
    const off = client.on(type, (event) => {
      off()
      resolve(event)
    })
  })

describe('client library against the real server', () => {
  let server: TestServer
  const join = async (userId: string) => connect({ url: server.ws, token: await server.token(userId, ROOM), WebSocket: WS })

  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })

  it('joins, tracks peers, relays signals stamped with the sender, and leaves', async () => {
    const alice = await join('alice')
    expect(alice.self).toMatchObject({ userId: 'alice', roomId: ROOM, userName: 'alice' })
    expect(alice.peers.size).toBe(0)
    const joined = next(alice, 'peer-joined')
    const bob = await join('bob')
    expect([...bob.peers.keys()]).toEqual(['alice'])
    expect(await joined).toMatchObject({ userId: 'bob', replaced: false })

    const offer = next(bob, 'signal')
    expect(alice.sendOffer('bob', 'v=0 offer')).toBe(true)
    expect(await offer).toEqual({ type: 'sdp-offer', from: 'alice', data: { type: 'offer', sdp: 'v=0 offer' } })
    const answer = next(alice, 'signal')
    bob.sendAnswer('alice', 'v=0 answer')
    expect(await answer).toEqual({ type: 'sdp-answer', from: 'bob', data: { type: 'answer', sdp: 'v=0 answer' } })
    const candidate = next(alice, 'signal')
    bob.sendCandidate('alice', { candidate: 'candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 })
    expect(await candidate).toMatchObject({ type: 'ice-candidate', from: 'bob', data: { sdpMid: '0', sdpMLineIndex: 0 } })

    const missing = next(alice, 'error')
    alice.sendOffer('nobody', 'v=0')
    expect(await missing).toMatchObject({ code: 'peer_not_found' })

    const left = next(alice, 'peer-left')
    expect(await bob.leave()).toMatchObject({ code: 1000, action: 'stop', retry: false })
    expect(await left).toEqual({ userId: 'bob', reason: 'left' })
    expect(alice.peers.size).toBe(0)
    expect(bob.sendOffer('alice', 'v=0')).toBe(false)
    await alice.leave()
  })

  it('reports a replaced socket as final (4009) and a bad token as needing a new one (4001)', async () => {
    const first = await join('carol')
    const second = await join('carol')
    // The server sends no `error` frame before this close (docs/protocol.md says it should), so only the code is checked.
    expect(await first.closed).toMatchObject({ code: 4009, action: 'stop', retry: false })
    await second.leave()

    const refused = await connect({ url: server.ws, token: 'not-a-jwt', WebSocket: WS }).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ConnectError)
    expect(refused).toMatchObject({ code: 'token_invalid', closeCode: 4001, action: 'new-token' })
  })
})

describe('client library against a server that breaks the protocol', () => {
  let wss: WebSocketServer
  let url: string
  const received: string[] = []
  const reply = { type: 'auth', userId: 'me', roomId: ROOM, timestamp: 1, data: {
    status: 'authenticated', userName: 'me', peers: [], connectionId: 'c1', tokenExpiresAt: 2,
    limits: { maxMessageBytes: 65536, messagesPerSecond: 50, messageBurst: 200, maxPeersPerRoom: 16, heartbeatTimeoutMs: 300000 } } }

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.once('listening', resolve))
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        received.push(String(data))
        if (received.length === 1) socket.send(JSON.stringify(reply))
      })
    })
  })
  afterAll(async () => {
    await new Promise((resolve) => wss.close(resolve))
  })

  it('surfaces invalid frames as error events, sends heartbeats, and keeps going', async () => {
    const client = await connect({ url, token: 't', heartbeatMs: 20, WebSocket: WS })
    const errors: ClientEvents['error'][] = []
    client.on('error', (e) => errors.push(e))
    const peer = next(client, 'peer-joined')
    const [socket] = [...wss.clients]
    socket?.send('not json')
    socket?.send(JSON.stringify({ type: 'sdp-offer', from: 'x', timestamp: 1, data: { sdp: 7 } }))
    socket?.send(JSON.stringify({ type: 'peer-joined', timestamp: 1, data: { userId: 'y', userName: 'Y', joinedAt: 1, replaced: false } }))
    expect(await peer).toMatchObject({ userId: 'y' })
    expect(errors.map((e) => e.code)).toEqual(['invalid_frame', 'invalid_frame'])
    expect(errors[1]?.error).toContain('sdp-offer from x')
    await expect.poll(() => received.filter((f) => f.includes('"heartbeat"')).length).toBeGreaterThanOrEqual(2)
    socket?.close(1012)
    expect(await client.closed).toMatchObject({ code: 1012, action: 'reconnect', retry: true, error: null })
  })
})
