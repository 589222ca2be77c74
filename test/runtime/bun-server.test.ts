/**
 * @module What is particular to the real Bun entry (`bun src/runtime/bun/main.ts`), over real sockets: relay order through
 * the per-tick write batch, frames to a peer that just closed, non-WebSocket and malformed upgrades, the Redis backend,
 * and the SIGTERM drain's exit code. Everything a client sees on every runtime is in the scenario suite
 * (test/e2e/suite.bun.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBun, type BunProcess } from '../helpers/bun.js'
import { deleteKeys, randomPrefix } from '../helpers/redis.js'
import { BUN_PATH, bunAvailable, need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { httpGet, rawRequest } from '../helpers/raw-http.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('Bun', bunAvailable(), `${BUN_PATH} is missing; run npm install`)
const withRedis = available && need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

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
    server = await startBun({ MESSAGE_RATE: '100000', MESSAGE_BURST: '100000' })
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
})

describe.skipIf(!available)('our server on Bun: SIGTERM', () => {
  it('drains on SIGTERM: peers get draining then 1001, and the process exits 0', async () => {
    const server = await startBun()
    try {
      const { alice, bob } = await joinAll(server, 'drain', ['alice', 'bob'])
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
