/**
 * @module The browser client's session driven from Node (the `ws` package stands in for the browser's WebSocket):
 * against the real server (joins, signals, leave, replacement, resume after a cut, a server restart), and against
 * fake servers that break the protocol or go silent.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { connect, ConnectError, Session, type SessionEvents, type SessionState, type StateChange } from '../../src/client/index.js'
import { startTestServer, freePort, type TestServer } from '../helpers/server.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

const WS = WebSocket as unknown as new (url: string) => globalThis.WebSocket
const ROOM = 'doc-123'

/** Resolves with the next `type` event of `emitter` that passes `when`. */
const next = <K extends keyof SessionEvents>(s: Session, type: K, when: (e: SessionEvents[K]) => boolean = () => true): Promise<SessionEvents[K]> =>
  new Promise((resolve) => {
    const off = s.on(type, (event) => {
      if (!when(event)) return
      off()
      resolve(event)
    })
  })
const reaches = (s: Session, state: SessionState) => next(s, 'state', (c) => c.state === state)
/** Every state change of `s`, in order. */
const record = (s: Session) => {
  const seen: StateChange[] = []
  s.on('state', (c) => seen.push(c))
  return seen
}

describe('client session against the real server', () => {
  let server: TestServer
  const tokens: Record<string, number> = {}
  /** getToken that counts its calls per user. */
  const minter = (userId: string, srv = () => server) => async () => {
    tokens[userId] = (tokens[userId] ?? 0) + 1
    return srv().token(userId, ROOM)
  }
  const join = (userId: string, extra: Partial<Parameters<typeof connect>[0]> = {}) => connect({ url: server.ws, getToken: minter(userId), WebSocket: WS, ...extra })

  beforeAll(async () => {
    server = await startTestServer({ RECONNECT_GRACE: '10000' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('joins, tracks peers, relays signals stamped with the sender, and leaves for good', async () => {
    const alice = await join('alice')
    expect(alice.state).toBe('open')
    expect(alice.self).toMatchObject({ userId: 'alice', roomId: ROOM, userName: 'alice' })
    expect(alice.iceServers).toEqual([])
    const joined = next(alice, 'peer-joined')
    const bob = await join('bob')
    expect([...bob.peers.keys()]).toEqual(['alice'])
    expect(await joined).toMatchObject({ userId: 'bob', replaced: false })

    const offer = next(bob, 'signal')
    expect(alice.sendOffer('bob', 'v=0 offer')).toBe(true)
    expect(await offer).toEqual({ type: 'sdp-offer', from: 'alice', data: { type: 'offer', sdp: 'v=0 offer' } })
    const candidate = next(alice, 'signal')
    bob.sendCandidate('alice', { candidate: 'candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 })
    expect(await candidate).toMatchObject({ type: 'ice-candidate', from: 'bob', data: { sdpMid: '0', sdpMLineIndex: 0 } })
    const missing = next(alice, 'error')
    alice.sendOffer('nobody', 'v=0')
    expect(await missing).toMatchObject({ code: 'peer_not_found' })

    const left = next(alice, 'peer-left')
    expect(await bob.leave()).toEqual({ state: 'closed', code: 1000, reason: 'left' })
    expect(await left).toEqual({ userId: 'bob', reason: 'left' })
    expect(alice.peers.size).toBe(0)
    expect(bob.sendOffer('alice', 'v=0')).toBe(false)
    await alice.leave()
  })

  it('stops for good when replaced by another socket (4009) and when the token is refused twice (4001)', async () => {
    const first = await join('carol')
    const second = await join('carol')
    expect(await first.closed).toEqual({ state: 'closed', code: 4009, reason: 'replaced' })
    await second.leave()

    const fixed = await connect({ url: server.ws, token: 'not-a-jwt', WebSocket: WS }).catch((err: unknown) => err)
    expect(fixed).toBeInstanceOf(ConnectError)
    expect(fixed).toMatchObject({ code: 'token_invalid', closeCode: 4001, action: 'new-token' })
    // With getToken the client asks for a new token once, then gives up.
    let calls = 0
    const fresh = await connect({ url: server.ws, getToken: () => (calls++, 'still-not-a-jwt'), WebSocket: WS, backoff: { baseMs: 10 } }).catch((err: unknown) => err)
    expect(fresh).toMatchObject({ code: 'token_invalid', closeCode: 4001 })
    expect(calls).toBe(2)
  })

  it('resumes after its connection is cut: a fresh token, nothing announced, kept and queued signals delivered', async () => {
    const proxy = await startTcpProxy(server.port)
    const dave = await join('dave', { url: `ws://127.0.0.1:${proxy.port}/ws` })
    const erin = await join('erin')
    const announced: string[] = []
    erin.on('peer-left', (p) => announced.push(`left ${p.userId}`))
    erin.on('peer-joined', (p) => announced.push(`joined ${p.userId}`))
    const states = record(dave)
    const before = tokens.dave ?? 0
    const resuming = reaches(dave, 'resuming')
    proxy.cut()
    expect(await resuming).toMatchObject({ state: 'resuming', code: 1006 })
    // While away: erin's offer is kept for dave by the server; dave's answer waits in his queue.
    const kept = next(dave, 'signal')
    const queued = next(erin, 'signal')
    erin.sendOffer('dave', 'v=0 kept')
    expect(dave.sendAnswer('erin', 'v=0 queued')).toBe(true)

    expect(await reaches(dave, 'open')).toEqual({ state: 'open', resumed: true })
    expect(await kept).toMatchObject({ type: 'sdp-offer', from: 'erin', data: { sdp: 'v=0 kept' } })
    expect(await queued).toMatchObject({ type: 'sdp-answer', from: 'dave', data: { sdp: 'v=0 queued' } })
    expect(tokens.dave).toBe(before + 1)
    expect(states.map((s) => s.state)).toEqual(['resuming', 'open'])
    expect(announced).toEqual([])
    expect((await server.api('/api/stats')).body.operations.sessions.resumed).toBe(1)
    await dave.leave()
    await erin.leave()
    await proxy.close()
  })

  it('bounds the queue while it cannot reconnect', async () => {
    const proxy = await startTcpProxy(server.port)
    const frank = await join('frank', { url: `ws://127.0.0.1:${proxy.port}/ws`, queueLimit: 3 })
    await proxy.close()
    await reaches(frank, 'resuming')
    expect([1, 2, 3, 4].map((n) => frank.sendOffer('nobody', `v=${n}`))).toEqual([true, true, true, false])
    expect(await frank.leave()).toEqual({ state: 'closed', code: 1000, reason: 'left' })
  })
})

describe('client session across a server restart', () => {
  it('rejoins the restarted server with fresh tokens (not resumed) and sees the same peers', async () => {
    const port = await freePort()
    let server = await startTestServer({ PORT: String(port) })
    const minted: string[] = []
    const opts = (userId: string) => ({ url: server.ws, WebSocket: WS, backoff: { baseMs: 100 }, getToken: () => (minted.push(userId), server.token(userId, ROOM)) })
    const alice = await connect(opts('alice'))
    const bob = await connect(opts('bob'))
    const aliceStates = record(alice)
    const backAlice = reaches(alice, 'open')
    const backBob = reaches(bob, 'open')
    await server.close()
    server = await startTestServer({ PORT: String(port) })
    expect(await backAlice).toEqual({ state: 'open', resumed: false })
    expect(await backBob).toEqual({ state: 'open', resumed: false })
    expect(aliceStates[0]).toMatchObject({ state: 'reconnecting', code: 1001, reason: 'draining' })
    expect(minted.filter((u) => u === 'alice').length).toBeGreaterThanOrEqual(2)
    const seen = () => [...alice.peers.keys(), ...bob.peers.keys()].sort()
    await expect.poll(seen).toEqual(['alice', 'bob'])
    await alice.leave()
    await bob.leave()
    await server.close()
  })
})

describe('client session against servers that break the protocol', () => {
  let wss: WebSocketServer
  let url: string
  /** Auth frames received, and what the fake server does after replying. */
  const auths: { resumeToken?: string }[] = []
  let mode: 'talk' | 'silent' = 'talk'
  const reply = (n: number) => ({
    type: 'auth', userId: 'me', roomId: ROOM, timestamp: 1,
    data: { status: 'authenticated', userName: 'me', peers: [], connectionId: `c${n}`, tokenExpiresAt: 2, resumeToken: `r${n}`, reconnectGraceMs: 60_000, resumed: n > 1,
      limits: { maxMessageBytes: 65536, messagesPerSecond: 50, messageBurst: 200, maxPeersPerRoom: 16, heartbeatTimeoutMs: 300000 } },
  })

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.once('listening', resolve))
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; data?: { resumeToken?: string } }
        if (frame.type === 'auth') {
          auths.push({ resumeToken: frame.data?.resumeToken })
          socket.send(JSON.stringify(reply(auths.length)))
        } else if (frame.type === 'heartbeat' && mode === 'talk') socket.send(JSON.stringify({ type: 'heartbeat', timestamp: 1, data: { status: 'ok' } }))
        else if (frame.type === 'leave-room') socket.close(1000)
      })
    })
  })
  afterAll(async () => {
    for (const c of wss.clients) c.terminate()
    await new Promise((resolve) => wss.close(resolve))
  })

  it('surfaces invalid frames as error events and keeps going', async () => {
    auths.length = 0
    const client = await connect({ url, token: 't', WebSocket: WS })
    const errors: SessionEvents['error'][] = []
    client.on('error', (e) => errors.push(e))
    const peer = next(client, 'peer-joined')
    const [socket] = [...wss.clients]
    socket?.send('not json')
    socket?.send(JSON.stringify({ type: 'sdp-offer', from: 'x', timestamp: 1, data: { sdp: 7 } }))
    socket?.send(JSON.stringify({ type: 'peer-joined', timestamp: 1, data: { userId: 'y', userName: 'Y', joinedAt: 1, replaced: false } }))
    expect(await peer).toMatchObject({ userId: 'y' })
    expect(errors).toEqual([
      { code: 'invalid_frame', error: 'not JSON' },
      { code: 'invalid_frame', error: 'sdp-offer from x: invalid payload' },
    ])
    await client.leave()
  })

  it('treats a silent socket as dead and resumes on a new one with the resume token', async () => {
    auths.length = 0
    mode = 'silent'
    const client = await connect({ url, token: 't', WebSocket: WS, heartbeatMs: 50, deadAfterMs: 300 })
    expect(await reaches(client, 'resuming')).toMatchObject({ code: 1006, reason: 'dead', delayMs: 0 })
    mode = 'talk'
    expect(await reaches(client, 'open')).toEqual({ state: 'open', resumed: true })
    expect(auths).toEqual([{ resumeToken: undefined }, { resumeToken: 'r1' }])
    await client.leave()
  })

  it('reconnects after a close that allows it (1012) and stops after one that does not (4004)', async () => {
    auths.length = 0
    const client = await connect({ url, token: 't', WebSocket: WS, backoff: { baseMs: 10 } })
    const again = reaches(client, 'reconnecting')
    ;[...wss.clients].at(-1)?.close(1012)
    expect(await again).toMatchObject({ code: 1012 })
    await reaches(client, 'open')
    // A server close ends the session there: no resume token is offered.
    expect(auths).toEqual([{ resumeToken: undefined }, { resumeToken: undefined }])
    ;[...wss.clients].at(-1)?.close(4004)
    expect(await client.closed).toEqual({ state: 'closed', code: 4004, reason: undefined })
  })
})
