/**
 * @module The Redis adapter in Cluster mode (REDIS_CLUSTER_NODES) runs the storage conformance suite against the
 * shared three-master Cluster (127.0.0.1:7000-7002, started if need be): rooms, the index, the audit and the bus
 * channels spread over the shards, and every test still holds.
 */
import { describe } from 'vitest'
import { clusterClient, deleteClusterKeys, needSharedCluster, SHARED_CLUSTER_PORTS, seedsOf } from '../helpers/redis-cluster.js'
import { runBackendConformance } from './conformance.js'
import { redisWorlds } from './redis-worlds.js'

const available = await needSharedCluster()

describe.skipIf(!available)('redis adapter on a Redis Cluster', () => {
  runBackendConformance(
    'redis-cluster',
    redisWorlds(
      { clusterNodes: seedsOf(SHARED_CLUSTER_PORTS) },
      {
        async spublish(channel, text) {
          const raw = clusterClient()
          try {
            await raw.call('SPUBLISH', channel, text)
          } finally {
            raw.disconnect()
          }
        },
        deleteKeys: (prefix) => deleteClusterKeys(prefix),
      },
    ),
  )
})
