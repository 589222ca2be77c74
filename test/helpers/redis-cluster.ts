/**
 * @module Redis Cluster fixtures. The shared three-master Cluster on 127.0.0.1:7000-7002 (started by .ci/redis-cluster,
 * which .ci/run runs too; `ensureSharedCluster` starts it when it is not running), private Clusters with replicas for
 * fault tests (their nodes can be killed, stopped and restarted one by one), key cleanup under a prefix on every
 * master, and a client for assertions.
 */
import { execFile, spawnSync } from 'node:child_process'
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
        // One key per UNLINK (keys of one node may sit in different slots), pipelined.
        await Promise.all(keys.map((key) => node.unlink(key)))
        cursor = next
      } while (cursor !== '0')
    }
  } finally {
    client.disconnect()
  }
}

/**
 * Two free loopback ports 10000 apart (a node and its cluster bus). Both stay below Linux's ephemeral range (32768+),
 * where an outgoing connection may hold a port that nothing listens on.
 */
async function freeNodePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 2700)
    if (taken.has(port) || taken.has(port + 10_000)) continue
    if (!(await tcpReachable('127.0.0.1', port, 100)) && !(await tcpReachable('127.0.0.1', port + 10_000, 100))) {
      taken.add(port)
      return port
    }
  }
}

export interface ClusterNode {
  id: string
  port: number
  master: boolean
  failed: boolean
  /** Its master's id, for a replica. */
  masterId: string | null
  /** Slot ranges it serves, for a master: [first, last] pairs. */
  slots: [number, number][]
}

/** CLUSTER NODES output: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`. */
export function parseNodes(text: string): ClusterNode[] {
  return text.trim().split('\n').filter(Boolean).map((line) => {
    const [id = '', addr = '', flags = '', master = '-', , , , , ...ranges] = line.split(' ')
    const slots = ranges.filter((r) => !r.startsWith('[')).map((r): [number, number] => {
      const [a, b] = r.split('-').map(Number)
      return [a ?? 0, b ?? a ?? 0]
    })
    const port = Number(addr.split('@')[0]?.split(':').at(-1))
    return { id, port, master: flags.includes('master'), failed: flags.includes('fail'), masterId: master === '-' ? null : master, slots }
  })
}

/** The live master serving `slot`, as `nodes` show it. */
export const ownerOf = (nodes: ClusterNode[], slot: number) =>
  nodes.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b))

const pidOf = (dir: string, port: number) => Number(readFileSync(join(dir, `${port}.pid`), 'utf8').trim())

/** A private Cluster of `masters` masters with `replicas` replicas each, on free ports, for tests that break it. */
export async function startPrivateCluster(masters: number, replicas: number) {
  const taken = new Set<number>()
  const ports: number[] = []
  for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freeNodePort(taken))
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-cluster-'))
  const signal = (port: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pidOf(dir, port), sig)
    } catch {
      // never started, or already gone
    }
  }
  const stop = () => {
    for (const port of ports) {
      signal(port, 'SIGCONT')
      signal(port, 'SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }
  await run('bash', [SCRIPT, '--replicas', String(replicas), '--dir', dir, ...ports.map(String)], { timeout: 60_000 }).catch((err: unknown) => {
    stop()
    throw err
  })
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 })).stdout
  /** A node that answers (tests kill and pause some). */
  const live = async () => {
    for (const port of ports) {
      const pong = await run('redis-cli', ['-p', String(port), 'ping'], { timeout: 500 }).catch(() => ({ stdout: '' }))
      if (pong.stdout.startsWith('PONG')) return port
    }
    throw new Error('no node of the private Cluster answers')
  }
  return {
    ports,
    seeds: seedsOf(ports),
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    dir,
    cli,
    /** The hash slots of `keys`, as the Cluster computes them (one redis-cli for all). */
    async keyslots(keys: string[]): Promise<number[]> {
      const input = keys.map((k) => `CLUSTER KEYSLOT "${k}"\n`).join('')
      const r = spawnSync('redis-cli', ['-p', String(await live())], { input, encoding: 'utf8', timeout: 5000 })
      return r.stdout.trim().split('\n').map(Number)
    },
    /** The Cluster's nodes as a live node sees them (CLUSTER NODES). */
    topology: async () => parseNodes(await cli(await live(), 'cluster', 'nodes')),
    kill: (port: number) => signal(port, 'SIGKILL'),
    pause: (port: number) => signal(port, 'SIGSTOP'),
    resume: (port: number) => signal(port, 'SIGCONT'),
    /** Moves `count` slots (the lowest first) from one master to another with `redis-cli --cluster reshard`. */
    reshard: async (fromId: string, toId: string, count: number) =>
      run('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${await live()}`, '--cluster-from', fromId, '--cluster-to', toId, '--cluster-slots', String(count), '--cluster-yes'], { timeout: 60_000 }),
    /** Starts a node again with its config (its nodes.conf keeps its identity; its data is gone). */
    restart: (port: number) => run('redis-server', [join(dir, `${port}.conf`)]),
    stop,
  }
}
export type PrivateCluster = Awaited<ReturnType<typeof startPrivateCluster>>
