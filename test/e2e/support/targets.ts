/**
 * @module The targets the scenario suite runs against. A new runtime joins with one entry here and a test file
 * that calls `runSuite` with its name.
 */
import { startBun } from '../../helpers/bun.js'
import { deleteKeys, randomPrefix, startInstance } from '../../helpers/redis.js'
import { deleteClusterKeys, needSharedCluster, SHARED_CLUSTER_NODES } from '../../helpers/redis-cluster.js'
import { BUN_PATH, bunAvailable, need, REDIS_URL, redisAvailable } from '../../helpers/requirements.js'
import { startTestServer } from '../../helpers/server.js'
import { startWorker } from '../../helpers/workers.js'
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

/** The Workers entry and its Durable Objects on workerd (Miniflare), in this process. */
const workers: Target = {
  name: 'workers',
  instances: 1,
  lacks: {
    signalingPort: 'one port per Worker',
    memoryWatch: 'workerd reports no process memory',
    drain: 'no SIGTERM: the platform moves objects itself',
    roomlessUrl: 'the room on the URL chooses the Durable Object',
    trustProxy: 'the client address is CF-Connecting-IP, set by the edge; TRUST_PROXY is ignored',
    slowConsumer: 'workerd exposes no buffered amount',
    yjs: '/yjs is not served on Workers (out of scope, see docs/yjs.md)',
    strictUtf8: 'workerd decodes invalid UTF-8 leniently (U+FFFD): the frame is answered as invalid, the socket stays',
    silentSocketClose: 'workerd under Miniflare sends the close frame but keeps the connection of a socket that never sent a frame open until the client gives up',
  },
  available: async () => true,
  async boot(env) {
    const worker = await startWorker(env)
    return { port: worker.port, signalingPort: null, drain: () => worker.stop(), stop: () => worker.stop() }
  },
}

export const targets = { node, 'node-redis-pair': nodeRedisPair, 'node-redis-cluster': nodeRedisCluster, bun, workers } satisfies Record<string, Target>
export type TargetName = keyof typeof targets
