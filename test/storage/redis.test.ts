/**
 * @module The Redis adapter runs the storage conformance suite against the shared Redis (127.0.0.1:6379): every
 * world gets its own key prefix, deleted afterwards.
 */
import { describe } from 'vitest'
import { deleteKeys, redisClient } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { runBackendConformance } from './conformance.js'
import { redisWorlds } from './redis-worlds.js'

const available = need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

describe.skipIf(!available)('redis adapter', () => {
  runBackendConformance(
    'redis',
    redisWorlds(
      { url: REDIS_URL },
      {
        async spublish(channel, text) {
          const raw = redisClient(REDIS_URL)
          try {
            await raw.call('SPUBLISH', channel, text)
          } finally {
            raw.disconnect()
          }
        },
        deleteKeys: (prefix) => deleteKeys(REDIS_URL, prefix),
      },
    ),
  )
})
