/**
 * @module `npx tsx test/bench/gc.ts [--instances=1|2] [--peers=N] [--rounds=N] [--node-flags=A,B] [--alloc] [--snapshot]`:
 * the storm on ours (with `--instances=2`, two instances on the bench Redis and only cross-instance pairs signalling,
 * as in the xrelay scenario), and what garbage collection cost per delivered signal on the first instance, by kind,
 * from its own Prometheus GC histogram (`/metrics`). No profiler attached, so the CPU figures are the server's own.
 * `--alloc`: also what the first instance allocated per signal, by function (V8's sampling heap profiler counting
 * collected objects too; it slows the server, so read its CPU figures as inflated). `--snapshot`: also a heap
 * snapshot of the first instance 2.5 s into the storm against one just before it, by constructor (what is live
 * mid-burst).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ensureBundles } from './lib/build.js'
import { census, growth, takeSnapshot } from './lib/heapsnapshot.js'
import { sleep } from './lib/proc.js'
import { benchRedisUrl, deleteKeys, newRedisPrefix, openRedis } from './lib/redis.js'
import { newSecrets, startServer } from './lib/servers.js'
import { startWorkers } from './lib/workers.js'
import { split, sum, type SignalResult } from './scenarios/context.js'

const flags = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const instances = Number(flags.get('instances') ?? 2)
const peers = Number(flags.get('peers') ?? 2000)
const rounds = Number(flags.get('rounds') ?? 5)
const nodeFlags = (flags.get('node-flags') ?? '').split(',').filter(Boolean)
const alloc = flags.has('alloc')
const snapshots = flags.has('snapshot')
const dir = mkdtempSync(join(tmpdir(), 'octp2p-gc-'))
const allocOut = join(dir, 'alloc.json')

/** Sampled allocation per signal by function (self bytes), largest first. */
function allocations(n: number) {
  interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
  const head = (JSON.parse(readFileSync(allocOut, 'utf8')) as { head: Node }).head
  const self = new Map<string, number>()
  let total = 0
  const walk = (node: Node) => {
    const f = node.callFrame
    const name = `${f.functionName || '(anonymous)'} (${f.url.split('/').pop()}:${f.lineNumber})`
    self.set(name, (self.get(name) ?? 0) + node.selfSize)
    total += node.selfSize
    for (const c of node.children) walk(c)
  }
  walk(head)
  console.log(`\nallocated on the first instance, sampled: ${(total / n).toFixed(0)} B per signal`)
  for (const [name, bytes] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${(bytes / n).toFixed(0).padStart(8)} B  ${name}`)
}

/** Seconds and runs of GC so far, by kind (minor, major, incremental, weakcb). */
async function gcTotals(port: number, adminToken: string): Promise<Map<string, { s: number; runs: number }>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text()
  const out = new Map<string, { s: number; runs: number }>()
  for (const m of text.matchAll(/^\w*nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)$/gm)) {
    const e = out.get(m[2]!) ?? { s: 0, runs: 0 }
    if (m[1] === 'sum') e.s = Number(m[3])
    else e.runs = Number(m[3])
    out.set(m[2]!, e)
  }
  return out
}

async function main() {
  if (flags.get('no-build') === undefined) console.log(`build: ${ensureBundles()}`)
  const secrets = newSecrets()
  const prefix = newRedisPrefix()
  const env = { REDIS_URL: benchRedisUrl(), REDIS_PREFIX: prefix }
  const pool = await startWorkers(2)
  const first = [
    ...nodeFlags,
    ...(alloc ? ['--import', resolve(import.meta.dirname, 'servers/alloc-sampling.mjs')] : []),
    ...(snapshots ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${dir}`] : []),
  ]
  const a = await startServer('node', { secrets, env: { ...env, ALLOC_OUT: allocOut }, nodeFlags: first })
  const b = instances === 2 ? await startServer('node', { secrets, env, nodeFlags }) : null
  try {
    await pool.all('setup', (i) => ({ index: i, protocol: 'ours', port: a.port, secret: secrets.secret }), 10_000)
    const rooms = split(peers / 4, 2)
    await pool.all('connect', (i) => ({ rooms: rooms[i] ?? 0, roomSize: 4, prefix: 'g', altPort: b?.port ?? 0, concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 150_000)
    const idle = snapshots ? await takeSnapshot(a.pid, dir) : null
    const gc0 = await gcTotals(a.port, secrets.adminToken)
    const cpu0 = [a.cpuMs(), b?.cpuMs() ?? 0]
    if (alloc) process.kill(a.pid, 'SIGUSR2')
    const storm = pool.all<SignalResult>('storm', () => ({ rounds, ice: 8, deadlineMs: 120_000, crossOnly: b !== null }), 150_000)
    const busy = idle ? await sleep(2500).then(() => takeSnapshot(a.pid, dir)) : null
    const r = await storm
    const n = sum(r.map((x) => x.received))
    if (alloc) process.kill(a.pid, 'SIGUSR2')
    const gc1 = await gcTotals(a.port, secrets.adminToken)
    const per = (ms: number) => ((ms * 1000) / n).toFixed(2)
    console.log(`${instances} instance(s)${nodeFlags.length ? ` with ${nodeFlags.join(' ')}` : ''}: ${n} signals; server CPU per signal: first ${per(a.cpuMs() - cpu0[0]!)} µs${b ? `, second ${per(b.cpuMs() - cpu0[1]!)} µs` : ''}`)
    for (const [kind, e] of gc1) {
      const before = gc0.get(kind) ?? { s: 0, runs: 0 }
      console.log(`  GC ${kind.padEnd(12)} ${String(e.runs - before.runs).padStart(5)} runs  ${per((e.s - before.s) * 1000).padStart(7)} µs per signal (first instance)`)
    }
    if (alloc) {
      for (let i = 0; i < 100 && !existsSync(allocOut); i++) await sleep(200)
      allocations(n)
    }
    if (idle && busy) {
      console.log('\nlive on the first instance 2.5 s into the storm, against just before it (snapshot pauses count in the CPU above):')
      for (const x of growth(census(idle), census(busy), 1).slice(0, 15)) console.log(`${x.bytesPerUnit.toFixed(0).padStart(10)} B ${x.countPerUnit.toFixed(0).padStart(8)}  ${x.key}`)
    }
    await pool.all('closeAll', () => ({}), 30_000)
  } finally {
    await a.stop()
    await b?.stop()
    await pool.close()
    const conn = await openRedis(env.REDIS_URL)
    if (conn.redis) await deleteKeys(conn.redis, prefix).finally(() => conn.redis.disconnect())
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
