/**
 * @module Two server processes (the real Node entry) sharing one Redis when one of them is killed with SIGKILL. What
 * clients see of a healthy pair is in the scenario suite (test/e2e/suite.node-redis-pair.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { TestClient, type Frame } from '../helpers/ws-client.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)
const LEASE_MS = 2000

describe.skipIf(!available)('two instances sharing one Redis, one killed', () => {
  const prefix = randomPrefix('multi')
  let A: Instance
  let B: Instance
  const clients: TestClient[] = []

  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix, MAX_PEERS_PER_ROOM: '3', PEER_LEASE_TTL: String(LEASE_MS) }
    ;[A, B] = await Promise.all([startInstance(env), startInstance(env)])
  })
  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await Promise.all([A?.stop(), B?.stop()])
    await deleteKeys(REDIS_URL, prefix)
  })

  async function join(on: Instance, userId: string, roomId: string) {
    const { client, reply } = await TestClient.join(on.ws, await on.token(userId, roomId))
    clients.push(client)
    expect(reply.data?.status).toBe('authenticated')
    return { client, reply }
  }
  const ids = (frames: Frame[]) => frames.map((f) => f.userId)

  it('SIGKILL of one instance: its peers leave the other instance`s room within the lease, each announced once', async () => {
    const { client: bob } = await join(B, 'bob', 'crash')
    await join(A, 'alice', 'crash')
    const { client: carol } = await join(B, 'carol', 'crash')
    await bob.next('peer-joined')
    const killedAt = Date.now()
    await A.stop('SIGKILL')
    // A relay to a peer of the dead instance is never silently dropped: the sender gets an error.
    bob.send({ type: 'ice-candidate', targetUserId: 'alice', data: { candidate: 'to the dead' } })
    expect(['relay_failed', 'peer_not_found']).toContain((await bob.next('error')).data?.code)
    expect(await bob.next('peer-left', LEASE_MS + 3000)).toMatchObject({ userId: 'alice', data: { reason: 'expired' } })
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 1500)
    expect((await carol.next('peer-left')).userId).toBe('alice')
    const after = await B.json('/api/rooms/crash')
    expect(ids(after.body.peers as Frame[])).toEqual(['bob', 'carol'])
    await fetch(`${B.http}/api/maintenance/cleanup`, { method: 'POST' })
    expect(ids(bob.all('peer-left'))).toEqual(['alice'])
    expect(ids(carol.all('peer-left'))).toEqual(['alice'])
  })
})
