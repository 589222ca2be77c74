/**
 * @module The targets the scenario suite runs against. A new runtime joins with one entry here and a test file
 * that calls `runSuite` with its name.
 */
import { startBun } from '../../helpers/bun.js'
import { deleteKeys, randomPrefix, startInstance } from '../../helpers/redis.js'
import { deleteClusterKeys, needSharedCluster, SHARED_CLUSTER_NODES } from '../../helpers/redis-cluster.js'
import { BUN_PATH, bunAvailable, need, REDIS_URL, redisAvailable } from '../../helpers/requirements.js'
import { startTestServer } from '../../helpers/server.js'
import type { Target } from './target.js'

const redisHint = `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`

/** Node with the memory backend, in this process (startNodeServer, what `npm start` runs). */
const node: Target = {
  name: 'node',
  instances: 1,
  available: async () => true,
  async boot(env) {
    const server = await startTestServer(env)
    return { port: server.port, signalingPort: server.signalingPort, drain: () => server.close(), stop: () => server.close() }
  },
}

/** Two Node processes (the entry as `npm run build` bundles it) sharing one Redis under a fresh key prefix, deleted afterwards. */
const nodeRedisPair: Target = {
  name: 'node-redis-pair',
  instances: 2,
  available: async () => need('Redis', await redisAvailable(), redisHint),
  shared() {
    const prefix = randomPrefix('suite')
    return { env: { REDIS_URL, REDIS_PREFIX: prefix }, cleanup: () => deleteKeys(REDIS_URL, prefix) }
  },
  async boot(env) {
    const instance = await startInstance(env, { bundled: true })
    return { port: instance.port, signalingPort: instance.signalingPort, drain: () => instance.stop('SIGTERM'), stop: () => instance.stop('SIGTERM') }
  },
}

/** Two Node processes on the shared three-master Redis Cluster (REDIS_CLUSTER_NODES): like node-redis-pair otherwise. */
const nodeRedisCluster: Target = {
  ...nodeRedisPair,
  name: 'node-redis-cluster',
  available: needSharedCluster,
  shared() {
    const prefix = randomPrefix('suite')
    return { env: { REDIS_CLUSTER_NODES: SHARED_CLUSTER_NODES, REDIS_PREFIX: prefix }, cleanup: () => deleteClusterKeys(prefix) }
  },
}

/** The Bun entry with the memory backend, in a child process. */
const bun: Target = {
  name: 'bun',
  instances: 1,
  available: async () => need('Bun', bunAvailable(), `${BUN_PATH} is missing; run npm install`),
  async boot(env) {
    const server = await startBun(env)
    return { port: server.port, signalingPort: server.signalingPort, drain: () => server.stop('SIGTERM'), stop: () => server.stop('SIGKILL') }
  },
}

export const targets = { node, 'node-redis-pair': nodeRedisPair, 'node-redis-cluster': nodeRedisCluster, bun } satisfies Record<string, Target>
export type TargetName = keyof typeof targets
