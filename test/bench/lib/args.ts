/** @module Command-line options of `npm run bench`, with the full and --quick presets. */
import { SERVER_KINDS, type ServerKind } from './servers.js'

export const SCENARIOS = ['cold', 'idle', 'storm', 'churn', 'steady', 'token', 'xrelay', 'yjs'] as const
export type Scenario = (typeof SCENARIOS)[number]
/**
 * Without --scenarios: xrelay needs Redis and only concerns ours, so it runs when asked for (or with --ab); yjs
 * concerns ours and y-webrtc's server only, and runs when asked for.
 */
const DEFAULT_SCENARIOS: Scenario[] = ['cold', 'idle', 'storm', 'churn', 'steady', 'token']
/** What --ab compares by default: the relay, steady, idle-memory and churn figures of both builds. */
const AB_SCENARIOS: Scenario[] = ['storm', 'steady', 'idle', 'churn', 'xrelay']
/** Alternated rounds per side in --ab (at least; --reps and --idle-reps may ask for more or, for a smoke test, fewer). */
const AB_REPS = 3

/** Two node bundles measured side by side: `before` runs as `node`, `after` as `node-exp`. */
export interface AbSides {
  before: string
  /** null: this checkout's bundles/node.mjs (built when older than src/). */
  after: string | null
}

export interface Options {
  quick: boolean
  scenarios: Scenario[]
  servers: ServerKind[]
  reps: number
  /** Repetitions of the idle scenario (each connects up to `peers2`). */
  idleReps: number
  workers: number
  peers: number
  peers2: number
  heartbeatMs: number
  holdMs: number
  stormPeers: number
  rounds: number
  churn: number
  churnRooms: number
  rate: number
  durationMs: number
  handshakes: number
  mints: number
  coldStarts: number
  maxMinutes: number
  out: string
  build: boolean
  ab: AbSides | null
}

const FULL: Omit<Options, 'quick' | 'scenarios' | 'servers' | 'out' | 'build' | 'ab'> = {
  reps: 3,
  idleReps: 2,
  workers: 2,
  peers: 10_000,
  peers2: 19_000,
  heartbeatMs: 10_000,
  holdMs: 5000,
  stormPeers: 2000,
  rounds: 5,
  churn: 20_000,
  churnRooms: 100,
  rate: 2000,
  durationMs: 20_000,
  handshakes: 3000,
  mints: 3000,
  coldStarts: 10,
  maxMinutes: 45,
}

const QUICK: typeof FULL = {
  ...FULL,
  reps: 1,
  idleReps: 1,
  peers: 2000,
  peers2: 4000,
  holdMs: 500,
  stormPeers: 400,
  rounds: 3,
  churn: 1000,
  churnRooms: 40,
  durationMs: 3000,
  handshakes: 500,
  mints: 500,
  coldStarts: 3,
  maxMinutes: 2.9,
}

const USAGE = `npm run bench -- [--quick] [--scenarios=${SCENARIOS.join(',')}] [--servers=${SERVER_KINDS.join(',')}]
  [--reps=N] [--idle-reps=N] [--workers=N] [--peers=N] [--peers2=N] [--storm-peers=N] [--rounds=N] [--churn=N]
  [--hold=MS] [--rate=N] [--duration=SECONDS] [--handshakes=N] [--mints=N] [--cold-starts=N] [--max-minutes=N] [--out=FILE] [--no-build]
  [--ab=BEFORE.mjs[,AFTER.mjs]]   A/B of two node bundles (AFTER defaults to this checkout's bundles/node.mjs):
                                  servers node (BEFORE) and node-exp (AFTER), scenarios ${AB_SCENARIOS.join(',')}, ${AB_REPS} rounds each
  xrelay uses BENCH_REDIS_URL (default redis://127.0.0.1:6379, loopback only)
  yjs: --scenarios=yjs --servers=node,ywebrtc (y-webrtc's protocol on our /yjs and on y-webrtc's own server)`

const FLAGS = new Set(['quick', 'scenarios', 'servers', 'reps', 'idle-reps', 'workers', 'peers', 'peers2', 'storm-peers', 'rounds', 'churn', 'hold', 'rate', 'duration', 'handshakes', 'mints', 'cold-starts', 'max-minutes', 'out', 'no-build', 'ab'])

function abSides(value: string): AbSides {
  const [before, after, ...rest] = value.split(',')
  if (!before || rest.length || after === '') throw new Error(`--ab takes BEFORE.mjs or BEFORE.mjs,AFTER.mjs\n${USAGE}`)
  return { before, after: after ?? null }
}

function list<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value.split(',').filter(Boolean)
  for (const x of items) if (!allowed.includes(x as T)) throw new Error(`unknown ${name} ${x}\n${USAGE}`)
  return items as T[]
}

export function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>()
  for (const a of argv) {
    if (a === '--help' || a === '-h') throw new Error(USAGE)
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error(`unexpected argument ${a}\n${USAGE}`)
    if (!FLAGS.has(m[1]!)) throw new Error(`unknown option --${m[1]}\n${USAGE}`)
    flags.set(m[1]!, m[2] ?? 'true')
  }
  const quick = flags.get('quick') === 'true'
  const ab = flags.has('ab') ? abSides(flags.get('ab')!) : null
  const base = quick ? QUICK : FULL
  const int = (name: string, def: number) => {
    const v = flags.get(name)
    if (v === undefined) return def
    const n = Number(v)
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number\n${USAGE}`)
    return n
  }
  const defaultServers: ServerKind[] = ['node', 'bun', 'peerjs', 'ywebrtc', 'bare']
  const o: Options = {
    ...base,
    quick,
    scenarios: flags.has('scenarios') ? list(flags.get('scenarios')!, SCENARIOS, 'scenario') : ab ? AB_SCENARIOS : DEFAULT_SCENARIOS,
    servers: flags.has('servers') ? list(flags.get('servers')!, SERVER_KINDS, 'server') : ab ? ['node', 'node-exp'] : defaultServers,
    reps: int('reps', ab ? Math.max(AB_REPS, base.reps) : base.reps),
    idleReps: int('idle-reps', ab ? Math.max(AB_REPS, base.idleReps) : base.idleReps),
    workers: int('workers', base.workers),
    peers: int('peers', base.peers),
    peers2: int('peers2', base.peers2),
    holdMs: int('hold', base.holdMs),
    stormPeers: int('storm-peers', base.stormPeers),
    rounds: int('rounds', base.rounds),
    churn: int('churn', base.churn),
    rate: int('rate', base.rate),
    durationMs: int('duration', base.durationMs / 1000) * 1000,
    handshakes: int('handshakes', base.handshakes),
    mints: int('mints', base.mints),
    coldStarts: int('cold-starts', base.coldStarts),
    // An A/B runs each scenario 2 x 3 times: about 16 minutes in full, 4.5 with --quick (docs/performance.md).
    maxMinutes: int('max-minutes', ab ? (quick ? 12 : 60) : base.maxMinutes),
    // --quick does not overwrite the full run that docs/performance.md quotes, nor an A/B the table.
    out: flags.get('out') ?? `test/bench/results/${ab ? (quick ? 'ab-quick' : 'ab') : quick ? 'quick' : 'latest'}.json`,
    build: flags.get('no-build') !== 'true',
    ab,
  }
  if (ab && (o.servers.length !== 2 || o.servers[0] !== 'node' || o.servers[1] !== 'node-exp')) throw new Error(`--ab measures --servers=node,node-exp\n${USAGE}`)
  // Each worker holds its share of sockets under the 20,000 open-file cap (with room for its own files).
  const perWorker = Math.ceil(Math.max(o.peers2, o.peers) / o.workers)
  if (perWorker > 19_000) throw new Error(`${perWorker} sockets per worker exceeds the open-file cap; raise --workers`)
  return o
}
