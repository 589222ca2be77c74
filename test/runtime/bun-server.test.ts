/**
 * @module The real Bun entry (`bun src/runtime/bun.ts`) in a child process, over real sockets: relay order
 * through the per-tick write batch, slow-consumer close, frames to a closed peer, refused and odd upgrades,
 * the Redis backend, and the SIGTERM drain.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, randomPrefix } from '../helpers/redis.js'
import { BUN_PATH, bunAvailable, need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { httpGet, rawRequest } from '../helpers/raw-http.js'
import { freePort, TEST_SECRET } from '../helpers/server.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const available = need('Bun', bunAvailable(), `${BUN_PATH} is missing; run npm install`)
const withRedis = available && need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

interface BunProcess {
  child: ChildProcess
  port: number
  ws: string
  http: string
  output: () => string
  token(userId: string, roomId: string): Promise<string>
  exited: Promise<number | null>
  stop(): Promise<void>
}

/** Starts the Bun entry from source with test settings plus `env`; resolves once it printed READY. */
async function startBun(env: Record<string, string> = {}): Promise<BunProcess> {
  const child = spawn(BUN_PATH, ['src/runtime/bun.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', SIGNALING_PORT: '0', AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', TOKEN_RATE_LIMIT: '10000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c))
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Bun did not print READY in 15 s: ${out}`)), 15_000)
    const check = () => {
      const m = /READY http\+ws on (\d+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve(Number(m[1]))
    }
    child.stdout!.on('data', check)
    void exited.then((code) => reject(new Error(`Bun exited (${code}) before READY: ${out}`)))
  })
  const http = `http://127.0.0.1:${port}`
  return {
    child,
    port,
    http,
    ws: `ws://127.0.0.1:${port}/ws`,
    output: () => out,
    exited,
    async token(userId, roomId) {
      const res = await fetch(`${http}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roomId }) })
      if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { token: string }).token
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** Joins users one after another; earlier peers consume each newcomer's peer-joined. */
async function joinAll<const U extends string>(server: BunProcess, roomId: string, userIds: readonly U[]): Promise<Record<U, TestClient>> {
  const out = {} as Record<U, TestClient>
  for (const userId of userIds) {
    const { client } = await TestClient.join(server.ws, await server.token(userId, roomId))
    for (const earlier of Object.values<TestClient>(out)) expect((await earlier.next('peer-joined')).userId).toBe(userId)
    out[userId] = client
  }
  return out
}

/** An offer and 8 candidates from `from` to `to`, tagged so the receiver can check sender and order. */
const burst = (from: string, to: string) => [
  { type: 'sdp-offer', targetUserId: to, data: { type: 'offer', sdp: `v=0\r\ns=${from}-offer\r\n` } },
  ...Array.from({ length: 8 }, (_, i) => ({ type: 'ice-candidate', targetUserId: to, data: { candidate: { candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${50000 + i} typ host ufrag ${from}`, sdpMid: '0' } } })),
]
const tagOf = (f: Frame) => (f.type === 'sdp-offer' ? 'offer' : /^candidate:(\d+)/.exec(String(f.data?.candidate?.candidate))?.[1])

describe.skipIf(!available)('our server on Bun', () => {
  let server: BunProcess
  beforeAll(async () => {
    server = await startBun({ MAX_BUFFERED_BYTES: '65536', MESSAGE_RATE: '100000', MESSAGE_BURST: '100000', MAX_CONNECTIONS_PER_IP: '20', CORS_ORIGINS: 'https://app.example' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('relays each sender\'s offer and 8 candidates in order, to the target only, through the batched writes', async () => {
    const { alice, bob, carol } = await joinAll(server, 'order', ['alice', 'bob', 'carol'])
    // Both bursts reach bob within the same event-loop turns, so his batched writes interleave two senders.
    for (const f of burst('alice', 'bob')) alice.send(f)
    for (const f of burst('carol', 'bob')) carol.send(f)
    const got: Frame[] = []
    for (let i = 0; i < 18; i++) got.push(await bob.next())
    for (const sender of ['alice', 'carol']) {
      const mine = got.filter((f) => f.from === sender)
      expect(mine.map(tagOf)).toEqual(['offer', '0', '1', '2', '3', '4', '5', '6', '7'])
      expect(mine.every((f) => f.targetUserId === 'bob' && f.roomId === 'order')).toBe(true)
    }
    expect(await alice.sync()).toEqual([])
    expect(await carol.sync()).toEqual([])
    expect(await bob.sync()).toEqual([])
    for (const c of [alice, bob, carol]) await c.close()
  })

  it('terminates a peer that stops reading once its buffer passes MAX_BUFFERED_BYTES; the sender keeps working', async () => {
    const { alice, bob } = await joinAll(server, 'slow', ['alice', 'bob'])
    const bobSocket = (bob.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    bobSocket.pause()
    const offer = { type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'x'.repeat(60_000) } }
    // Loopback buffers take several MB before the server's own buffer grows; cap at 64 MB.
    for (let sent = 0; alice.all('peer-left').length === 0 && sent < 1000; sent += 20) {
      for (let i = 0; i < 20; i++) alice.send(offer)
      await alice.sync()
    }
    expect(alice.all('peer-left')).toMatchObject([{ userId: 'bob', data: { reason: 'slow_consumer' } }])
    // Offers of the last batch sent after bob was gone are refused; alice's socket keeps working.
    alice.drain()
    expect(await alice.sync()).toEqual([])
    bobSocket.resume()
    // Terminated: no close frame, so the client sees 1006.
    expect((await bob.waitClose(10_000)).code).toBe(1006)
    await alice.close()
  })

  it('drops or refuses frames to a peer that just closed, without errors', async () => {
    const { alice, bob } = await joinAll(server, 'gone', ['alice', 'bob'])
    await bob.close()
    for (const f of burst('alice', 'bob')) alice.send(f)
    expect((await alice.next('peer-left')).userId).toBe('bob')
    // Before the server saw the close the frames are dropped; after it, each is refused as peer_not_found.
    const after = await alice.sync()
    expect(after.every((f) => f.type === 'error' && f.data?.code === 'peer_not_found')).toBe(true)
    alice.send(burst('alice', 'bob')[0])
    expect(await alice.next('error')).toMatchObject({ data: { code: 'peer_not_found' } })
    await alice.close()
    expect(server.output()).not.toMatch(/"level":"error"/)
  })

  it('answers a non-WebSocket Upgrade with 400 upgrade_required as JSON and closes', async () => {
    for (const upgrade of ['h2c', 'foo']) {
      const response = (await rawRequest(server.port, httpGet(['Connection: Upgrade, HTTP2-Settings', `Upgrade: ${upgrade}`, 'HTTP2-Settings: AAMAAABkAAQAAP__']))).response
      expect(response).toMatch(/^HTTP\/1\.1 400 /)
      expect(response).toContain('{"error":"Only WebSocket upgrades are supported","code":"upgrade_required"}')
    }
    const noKey = (await rawRequest(server.port, httpGet(['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13']))).response
    expect(noKey).toMatch(/^HTTP\/1\.1 400 /)
    expect(noKey).toContain('"code":"upgrade_required"')
    const plain = await fetch(`${server.http}/ws`)
    expect(plain.status).toBe(426)
    expect(await plain.json()).toEqual({ code: 'upgrade_required', error: expect.any(String) })
  })

  it('answers a refused upgrade with the app\'s status and JSON body', async () => {
    const refused = await TestClient.open(server.ws, { headers: { origin: 'https://evil.example' } }).then(
      () => null,
      (err: { status?: number; body?: string }) => err,
    )
    expect(refused?.status).toBe(403)
    expect(JSON.parse(refused?.body ?? '')).toEqual({ error: 'Origin not allowed', code: 'origin_not_allowed' })
    const allowed = await TestClient.open(server.ws, { headers: { origin: 'https://app.example' } })
    await allowed.close()
  })
})

describe.skipIf(!available)('our server on Bun: connection limits and drain', () => {
  it('counts connections per remote address and drains on SIGTERM with 1001', async () => {
    const server = await startBun({ MAX_CONNECTIONS_PER_IP: '2' })
    try {
      const { alice, bob } = await joinAll(server, 'drain', ['alice', 'bob'])
      const third = await TestClient.open(server.ws).then(
        () => null,
        (err: { status?: number; body?: string }) => err,
      )
      expect(third?.status).toBe(429)
      expect(JSON.parse(third?.body ?? '')).toMatchObject({ code: 'too_many_connections' })
      server.child.kill('SIGTERM')
      for (const c of [alice, bob]) {
        expect(await c.next('error')).toMatchObject({ data: { code: 'draining' } })
        expect((await c.waitClose()).code).toBe(1001)
      }
      expect(await server.exited).toBe(0)
    } finally {
      await server.stop()
    }
  })
})

describe.skipIf(!available)('our server on Bun: the seed README\'s second port', () => {
  it('serves WebSocket signaling on SIGNALING_PORT at any path, HTTP API only on PORT', async () => {
    const signalingPort = await freePort()
    const server = await startBun({ SIGNALING_PORT: String(signalingPort) })
    try {
      expect(server.output()).toContain(`ws on ${signalingPort}`)
      const { client: alice } = await TestClient.join(`ws://127.0.0.1:${signalingPort}`, await server.token('alice', 'second-port'))
      const { client: bob, reply } = await TestClient.join(server.ws, await server.token('bob', 'second-port'))
      expect((reply.data?.peers as { userId: string }[]).map((p) => p.userId)).toEqual(['alice'])
      expect((await alice.next('peer-joined')).userId).toBe('bob')
      bob.send({ type: 'offer', to: 'alice', data: { sdp: 'v=0' } })
      expect(await alice.next('offer')).toMatchObject({ from: 'bob', userId: 'bob', data: { sdp: 'v=0' } })
      const api = await fetch(`http://127.0.0.1:${signalingPort}/api/health`)
      expect(api.status).not.toBe(200)
      alice.close()
      bob.close()
    } finally {
      await server.stop()
    }
  })
})

describe.skipIf(!withRedis)('our server on Bun with Redis', () => {
  const prefix = randomPrefix('bun')
  let server: BunProcess
  beforeAll(async () => {
    server = await startBun({ REDIS_URL, REDIS_PREFIX: prefix })
  })
  afterAll(async () => {
    await server?.stop()
    await deleteKeys(REDIS_URL, prefix)
  })

  it('relays in order with the Redis backend', async () => {
    const { alice, bob } = await joinAll(server, 'redis-order', ['alice', 'bob'])
    for (const f of burst('alice', 'bob')) alice.send(f)
    const got: Frame[] = []
    for (let i = 0; i < 9; i++) got.push(await bob.next())
    expect(got.map(tagOf)).toEqual(['offer', '0', '1', '2', '3', '4', '5', '6', '7'])
    await alice.close()
    await bob.close()
  })
})
