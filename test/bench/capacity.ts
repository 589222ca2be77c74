/**
 * @module `npx tsx test/bench/capacity.ts`: docs/scaling.md's capacity model, measured. For one private redis-server
 * and for a private three-master Redis Cluster, with peers placed at random or by room (affinity), three server
 * processes (the bundled Node entry, default PEER_LEASE_TTL and CLEANUP_INTERVAL) carry the reference workload, and
 * Redis CPU comes from INFO (used_cpu_sys + used_cpu_user) of every master, minus its idle baseline:
 *  - steady: STEADY_PEERS peers sit in rooms of 4 for STEADY_S seconds (renewals, sweeps): µs per peer per second;
 *  - churn: CHURN_ROOMS rooms fill (each newcomer does the handshake with every peer there) and empty: µs per peer
 *    cycle (join, its share of the handshakes' relays, leave).
 * Per peer per second under the reference workload = steady + cycle / 1800 (30-minute stays).
 * Options: --steady-peers N --steady-s S --churn-rooms N --setups single,cluster --placements random,affinity --json F
 */
import { writeFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { startInstance, startRedisServer, type Instance } from '../helpers/redis.js'
import { startPrivateCluster } from '../helpers/redis-cluster.js'
import { fillRoom, inParallel, leaveAll, RELAYS_PER_PAIR, ROOM_SIZE, seats, type Placement } from './capacity-load.js'
import { portablePaths } from './lib/paths.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const STEADY_PEERS = Number(arg('steady-peers', '1200'))
const STEADY_S = Number(arg('steady-s', '60'))
const BASELINE_S = Number(arg('baseline-s', '20'))
const CHURN_ROOMS = Number(arg('churn-rooms', '120'))
const STAY_S = 1800
const INSTANCES = 3

type Setup = 'single' | 'cluster'

/**
 * Per master: Redis CPU seconds so far (network I/O included), µs spent executing commands (INFO commandstats: no
 * I/O, and none of a Cluster node's own gossip and cron), and scripts run (EVALSHA + EVAL calls).
 */
async function cpuOf(ports: number[]): Promise<{ cpu: number; cmdUs: number; scripts: number }[]> {
  return Promise.all(
    ports.map(async (port) => {
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true })
      await r.connect()
      const info = `${await r.info('cpu')}\n${await r.info('commandstats')}`
      r.disconnect()
      const field = (re: string) => Number(new RegExp(re, 'm').exec(info)?.[1] ?? 0)
      const cpu = field('^used_cpu_sys:([\\d.]+)') + field('^used_cpu_user:([\\d.]+)')
      const cmdUs = sum([...info.matchAll(/^cmdstat_[^:]+:calls=\d+,usec=(\d+)/gm)].map((m) => Number(m[1])))
      return { cpu, cmdUs, scripts: field('^cmdstat_evalsha:calls=(\\d+)') + field('^cmdstat_eval:calls=(\\d+)') }
    }),
  )
}

let lastScripts = 0
let lastCmdUs: number[] = []
/**
 * Redis CPU µs per master spent while `fn` runs; in lastCmdUs the command-execution µs per master, in lastScripts
 * how many scripts ran meanwhile.
 */
async function measure(ports: number[], fn: () => Promise<unknown>): Promise<number[]> {
  const before = await cpuOf(ports)
  await fn()
  const after = await cpuOf(ports)
  lastScripts = sum(after.map((a, i) => a.scripts - (before[i]?.scripts ?? 0)))
  lastCmdUs = after.map((a, i) => a.cmdUs - (before[i]?.cmdUs ?? 0))
  return after.map((a, i) => (a.cpu - (before[i]?.cpu ?? 0)) * 1e6)
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startRedis(setup: Setup): Promise<{ env: Record<string, string>; masters: number[]; stop(): Promise<void> }> {
  if (setup === 'single') {
    const server = await startRedisServer()
    return { env: { REDIS_URL: server.url }, masters: [server.port], stop: () => server.stop() }
  }
  const cluster = await startPrivateCluster(3, 0)
  return { env: { REDIS_CLUSTER_NODES: cluster.nodes }, masters: cluster.ports, stop: async () => cluster.stop() }
}

async function runOne(setup: Setup, placement: Placement) {
  const redis = await startRedis(setup)
  const env = {
    ...redis.env,
    REDIS_PREFIX: 'cap',
    PEER_LEASE_TTL: '30000',
    CLEANUP_INTERVAL: '60000',
    MESSAGE_RATE: '100000',
    MESSAGE_BURST: '100000',
    MAX_CONNECTIONS: '100000',
    MAX_CONNECTIONS_PER_IP: '100000',
    MAX_PENDING_CONNECTIONS_PER_IP: '100000',
    MAX_ROOMS: '1000000',
    TOKEN_RATE_LIMIT: '1000000',
  }
  const instances: Instance[] = await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(env, { bundled: true })))
  try {
    const idle = await measure(redis.masters, () => wait(BASELINE_S * 1000))
    const idlePerS = idle.map((us) => us / BASELINE_S)

    const steadyRooms = await seats(instances, `steady-${placement}`, STEADY_PEERS / ROOM_SIZE, placement)
    const open = (await inParallel(steadyRooms, 50, (room) => fillRoom(room, false))).flat()
    const steady = await measure(redis.masters, () => wait(STEADY_S * 1000))
    const steadyScripts = lastScripts
    const steadyCmd = lastCmdUs
    await leaveAll(open)
    const steadyNet = steady.map((us, i) => us - (idlePerS[i] ?? 0) * STEADY_S)

    const churnRooms = await seats(instances, `churn-${placement}`, CHURN_ROOMS, placement)
    const t0 = Date.now()
    const churn = await measure(redis.masters, async () => {
      await inParallel(churnRooms, 20, async (room) => leaveAll(await fillRoom(room, true)))
    })
    const churnS = (Date.now() - t0) / 1000
    const churnCmd = lastCmdUs
    const churnScripts = lastScripts
    const churnNet = churn.map((us, i) => us - (idlePerS[i] ?? 0) * churnS)
    const peerCycles = CHURN_ROOMS * ROOM_SIZE
    const steadyUsPerPeerS = sum(steadyNet) / (STEADY_PEERS * STEADY_S)
    const cycleUs = sum(churnNet) / peerCycles
    return {
      setup,
      placement,
      idleUsPerS: sum(idlePerS),
      steadyScriptsPerS: steadyScripts / STEADY_S,
      steadyCpuUsPerScript: sum(steadyNet) / Math.max(1, steadyScripts),
      steadyUsPerPeerS,
      steadyCmdUsPerPeerS: sum(steadyCmd) / (STEADY_PEERS * STEADY_S),
      cycleUsPerPeer: cycleUs,
      cycleCmdUsPerPeer: sum(churnCmd) / peerCycles,
      churnScriptsPerPeer: churnScripts / peerCycles,
      relaysPerPeer: ((ROOM_SIZE * (ROOM_SIZE - 1)) / 2) * RELAYS_PER_PAIR / ROOM_SIZE,
      perPeerPerS: steadyUsPerPeerS + cycleUs / STAY_S,
      perPeerPerSCmd: sum(steadyCmd) / (STEADY_PEERS * STEADY_S) + sum(churnCmd) / peerCycles / STAY_S,
      busiestShardShare: Math.max(...steadyCmd.map((x) => x / Math.max(1e-9, sum(steadyCmd)))),
      churnBusiestShardShare: Math.max(...churnCmd.map((x) => x / Math.max(1e-9, sum(churnCmd)))),
      churnSeconds: churnS,
    }
  } finally {
    await Promise.all(instances.map((i) => i.stop()))
    await redis.stop()
  }
}

async function main() {
  const setups = arg('setups', 'single,cluster').split(',') as Setup[]
  const placements = arg('placements', 'random,affinity').split(',') as Placement[]
  const results = []
  for (const setup of setups) {
    for (const placement of placements) {
      const r = await runOne(setup, placement)
      results.push(r)
      console.log(JSON.stringify(r))
    }
  }
  const out = arg('json', '')
  if (out) writeFileSync(out, portablePaths(`${JSON.stringify({ at: new Date().toISOString(), steadyPeers: STEADY_PEERS, steadyS: STEADY_S, churnRooms: CHURN_ROOMS, results }, null, 2)}\n`))
}

await main()
