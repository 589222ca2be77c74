/**
 * @module `npx tsx test/bench/gc.ts [--instances=1|2] [--peers=N] [--rounds=N] [--node-flags=A,B]`: the storm on ours
 * (with `--instances=2`, two instances on the bench Redis and only cross-instance pairs signalling, as in the xrelay
 * scenario), and what garbage collection cost per delivered signal on the first instance, by kind, from its own
 * Prometheus GC histogram (`/metrics`). No profiler attached, so the CPU figures are the server's own.
 */
import { ensureBundles } from './lib/build.js'
import { benchRedisUrl, deleteKeys, newRedisPrefix, openRedis } from './lib/redis.js'
import { newSecrets, startServer } from './lib/servers.js'
import { startWorkers } from './lib/workers.js'
import { split, sum, type SignalResult } from './scenarios/context.js'

const flags = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const instances = Number(flags.get('instances') ?? 2)
const peers = Number(flags.get('peers') ?? 2000)
const rounds = Number(flags.get('rounds') ?? 5)
const nodeFlags = (flags.get('node-flags') ?? '').split(',').filter(Boolean)

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
  const a = await startServer('node', { secrets, env, nodeFlags })
  const b = instances === 2 ? await startServer('node', { secrets, env, nodeFlags }) : null
  try {
    await pool.all('setup', (i) => ({ index: i, protocol: 'ours', port: a.port, secret: secrets.secret }), 10_000)
    const rooms = split(peers / 4, 2)
    await pool.all('connect', (i) => ({ rooms: rooms[i] ?? 0, roomSize: 4, prefix: 'g', altPort: b?.port ?? 0, concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 150_000)
    const gc0 = await gcTotals(a.port, secrets.adminToken)
    const cpu0 = [a.cpuMs(), b?.cpuMs() ?? 0]
    const r = await pool.all<SignalResult>('storm', () => ({ rounds, ice: 8, deadlineMs: 120_000, crossOnly: b !== null }), 150_000)
    const n = sum(r.map((x) => x.received))
    const gc1 = await gcTotals(a.port, secrets.adminToken)
    const per = (ms: number) => ((ms * 1000) / n).toFixed(2)
    console.log(`${instances} instance(s)${nodeFlags.length ? ` with ${nodeFlags.join(' ')}` : ''}: ${n} signals; server CPU per signal: first ${per(a.cpuMs() - cpu0[0]!)} µs${b ? `, second ${per(b.cpuMs() - cpu0[1]!)} µs` : ''}`)
    for (const [kind, e] of gc1) {
      const before = gc0.get(kind) ?? { s: 0, runs: 0 }
      console.log(`  GC ${kind.padEnd(12)} ${String(e.runs - before.runs).padStart(5)} runs  ${per((e.s - before.s) * 1000).padStart(7)} µs per signal (first instance)`)
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
