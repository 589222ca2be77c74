/**
 * @module Redis Cluster fixtures. The shared three-master Cluster on 127.0.0.1:7000-7002 (started by .ci/redis-cluster,
 * which .ci/run runs too; `ensureSharedCluster` starts it when it is not running), private Clusters with replicas for
 * fault tests (their nodes can be killed, stopped and restarted one by one), key cleanup under a prefix on every
 * master, and a client for assertions.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster } from 'ioredis'
import { redisServerAvailable } from './redis.js'
import { need, tcpReachable } from './requirements.js'

const run = promisify(execFile)
const SCRIPT = '.ci/redis-cluster'

export const SHARED_CLUSTER_PORTS = [7000, 7001, 7002]
/** What REDIS_CLUSTER_NODES would hold for the shared Cluster. */
export const SHARED_CLUSTER_NODES = SHARED_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')
export const seedsOf = (ports: readonly number[]) => ports.map((port) => ({ host: '127.0.0.1', port }))

async function clusterHealthy(port: number): Promise<boolean> {
  if (!(await tcpReachable('127.0.0.1', port))) return false
  const r = await run('redis-cli', ['-p', String(port), 'cluster', 'info']).catch(() => ({ stdout: '' }))
  return r.stdout.includes('cluster_state:ok')
}

/** Starts the shared Cluster when it does not answer (the script holds a lock: parallel test files wait for one start). */
export async function ensureSharedCluster(): Promise<boolean> {
  if (await clusterHealthy(SHARED_CLUSTER_PORTS[0] ?? 7000)) return true
  if (!redisServerAvailable()) return false
  await run('bash', [SCRIPT, ...SHARED_CLUSTER_PORTS.map(String)], { timeout: 60_000 })
  return clusterHealthy(SHARED_CLUSTER_PORTS[0] ?? 7000)
}

/** The shared Cluster is there (started if need be), or the test skips visibly (fails under REQUIRE_ALL_COMPONENTS=1). */
export async function needSharedCluster(): Promise<boolean> {
  const up = await ensureSharedCluster().catch(() => false)
  return need('Redis Cluster', up, `no Cluster on 127.0.0.1:${SHARED_CLUSTER_PORTS.join(',')} and ${SCRIPT} could not start one (redis-server 7 missing?)`)
}

/** A client for assertions and fault injection (never FLUSHALL the shared Cluster). */
export const clusterClient = (ports: readonly number[] = SHARED_CLUSTER_PORTS) =>
  new Cluster(seedsOf(ports), { redisOptions: { maxRetriesPerRequest: 1 }, slotsRefreshInterval: 500 })

/** Deletes every key under `prefix:` on every master (SCAN per node: keys of one prefix live on every shard). */
export async function deleteClusterKeys(prefix: string, ports: readonly number[] = SHARED_CLUSTER_PORTS): Promise<void> {
  const client = clusterClient(ports)
  try {
    for (const node of client.nodes('master')) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
        for (const key of keys) await node.unlink(key)
        cursor = next
      } while (cursor !== '0')
    }
  } finally {
    client.disconnect()
  }
}

/** Two free loopback ports 10000 apart (a node and its cluster bus), below 55536. */
async function freeNodePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if (taken.has(port) || taken.has(port + 10_000)) continue
    if (!(await tcpReachable('127.0.0.1', port, 100)) && !(await tcpReachable('127.0.0.1', port + 10_000, 100))) {
      taken.add(port)
      return port
    }
  }
}

const pidOf = (dir: string, port: number) => Number(readFileSync(join(dir, `${port}.pid`), 'utf8').trim())

/** A private Cluster of `masters` masters with `replicas` replicas each, on free ports, for tests that break it. */
export async function startPrivateCluster(masters: number, replicas: number) {
  const taken = new Set<number>()
  const ports: number[] = []
  for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freeNodePort(taken))
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-cluster-'))
  await run('bash', [SCRIPT, '--replicas', String(replicas), '--dir', dir, ...ports.map(String)], { timeout: 60_000 })
  const signal = (port: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pidOf(dir, port), sig)
    } catch {
      // already gone
    }
  }
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout
  return {
    ports,
    seeds: seedsOf(ports),
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    dir,
    cli,
    /** The node (master first) serving `slot` now, from CLUSTER SHARDS as any live node reports it. */
    async roleOf(port: number): Promise<'master' | 'slave' | 'down'> {
      const info = await cli(port, 'role').catch(() => '')
      return info.startsWith('master') ? 'master' : info.startsWith('slave') ? 'slave' : 'down'
    },
    kill: (port: number) => signal(port, 'SIGKILL'),
    pause: (port: number) => signal(port, 'SIGSTOP'),
    resume: (port: number) => signal(port, 'SIGCONT'),
    /** Starts a node again with its config (its nodes.conf keeps its identity; its data is gone). */
    restart: (port: number) => run('redis-server', [join(dir, `${port}.conf`)]),
    async stop() {
      for (const port of ports) {
        signal(port, 'SIGCONT')
        signal(port, 'SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
export type PrivateCluster = Awaited<ReturnType<typeof startPrivateCluster>>
