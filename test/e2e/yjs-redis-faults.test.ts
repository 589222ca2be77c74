/**
 * @module /yjs while its Redis is away (a private redis-server this file stops): an upgrade is refused before it
 * happens, so the provider backs off instead of reopening a socket the failed store join would close at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, randomPrefix, redisServerAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')

describe.skipIf(!available)('/yjs with Redis down', () => {
  let redis: RedisServer
  let server: TestServer

  beforeAll(async () => {
    redis = await startRedisServer()
    server = await startTestServer({ REDIS_URL: redis.url, REDIS_PREFIX: randomPrefix('yjs-faults') })
  })
  afterAll(async () => {
    await server?.close()
    await redis?.stop()
  })

  const attempt = async (token: string) =>
    TestClient.open(`ws://127.0.0.1:${server.port}/yjs?token=${token}`).then(
      async (c) => {
        await c.close()
        return { status: 101, body: '' }
      },
      (err: { status?: number; body?: string }) => ({ status: err.status ?? -1, body: err.body ?? '' }),
    )

  it('refuses the upgrade with 503 store_unavailable while Redis is down, and admits again once it is back', async () => {
    const token = await server.token('alice', 'y-faults')
    expect((await attempt(token)).status).toBe(101)
    await redis.stop()
    const refused = await eventually(async () => {
      const r = await attempt(token)
      return r.status === 503 ? r : undefined
    }, 10_000, 'a refusal while Redis is down')
    expect(JSON.parse(refused.body)).toEqual({ error: 'Room storage is unreachable; try again later', code: 'store_unavailable' })
    await redis.start()
    await eventually(async () => (await attempt(token)).status === 101, 15_000, 'an upgrade once Redis is back')
  })
})
