/**
 * @module The short form of `npm run soak` inside `npm test`: the same scenario (two instances on a private Redis,
 * churn with abrupt closes, invalid-frame floods, half-open upgrades, a Redis restart, an instance killed) for ten
 * seconds, with the same end checks. The long form and its recorded summary: docs/security.md.
 */
import { describe, expect, it } from 'vitest'
import { redisServerAvailable } from '../helpers/redis.js'
import { need } from '../helpers/requirements.js'
import { runSoak } from './soak.js'

const available = need('redis-server', redisServerAvailable(), 'install redis-server (apt-get install redis-server)')

describe.skipIf(!available)('soak (short form)', () => {
  it('ends clean: no rooms, peers or ghosts, heap within 5%, file descriptors and timers back to their baseline', async () => {
    const result = await runSoak(10)
    console.log(result.summary)
    expect(result.failures).toEqual([])
    expect(result.summary).toMatch(/^SOAK ok /)
  }, 180_000)
})
