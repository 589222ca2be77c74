/** @module Redis Backend (issue 3): not implemented yet. */
import type { Logger } from '../lib/logger.js'
import { StoreError, type Backend } from './types.js'

export interface RedisBackendOptions {
  url: string
  prefix: string
  instanceId: string
  logger: Logger
  auditCapacity: number
}

export async function createRedisBackend(_opts: RedisBackendOptions): Promise<Backend> {
  throw new StoreError('The Redis backend is not implemented yet: unset REDIS_URL')
}
