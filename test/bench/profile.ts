/**
 * @module `npx tsx test/bench/profile.ts [--phase=storm|handshakes|steady] [--server=node|bun|node-exp|peerjs|ywebrtc|bare]
 * [--peers=N] [--rounds=N] [--top=N] [--instances=2]`: runs a server (default ours, bundles/node.mjs) under `--cpu-prof` (Node or Bun), drives one phase with the bench workers,
 * and prints the top self-time functions inside that phase's time window, per message or handshake.
 * `--instances=2` (storm or steady, ours): two instances on the bench Redis, each room split between them and only
 * cross-instance pairs signalling (the xrelay scenario's load); the first instance is profiled, and it does half
 * the work of each signal (the sender's side of some, the receiver's of the others).
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ensureBundles } from './lib/build.js'
import { summarize } from './lib/cpuprofile.js'
import { sleep, threadCpuMs, threadDelta } from './lib/proc.js'
import { newSecrets, protocolOf, startServer, type ServerKind } from './lib/servers.js'
import { startWorkers } from './lib/workers.js'
import { split, sum, type CycleResult, type SignalResult } from './scenarios/context.js'
import { portablePaths } from './lib/paths.js'
import { benchRedisUrl, deleteKeys, newRedisPrefix, openRedis } from './lib/redis.js'

const flags = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const phase = flags.get('phase') ?? 'storm'
const peers = Number(flags.get('peers') ?? 2000)
const rounds = Number(flags.get('rounds') ?? 5)
const top = Number(flags.get('top') ?? 30)
const kind = (flags.get('server') ?? 'node') as ServerKind
const instances = Number(flags.get('instances') ?? 1)
const monoUs = () => Number(process.hrtime.bigint() / 1000n)

async function main() {
  if (flags.get('no-build') === undefined) console.log(`build: ${ensureBundles()}`)
  const dir = flags.get('dir') ?? mkdtempSync(join(tmpdir(), 'octp2p-prof-'))
  const secrets = newSecrets()
  const pool = await startWorkers(2)
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200']
  const prefix = newRedisPrefix()
  const env = instances === 2 ? { REDIS_URL: benchRedisUrl(), REDIS_PREFIX: prefix } : undefined
  const srv = await startServer(kind, { secrets, nodeFlags: prof, bunFlags: prof, env })
  const other = instances === 2 ? await startServer(kind, { secrets, env }) : null
  let from = 0
  let to = 0
  let units = 0
  let threads: [string, number][] = []
  try {
    await pool.all('setup', (i) => ({ index: i, protocol: protocolOf(kind), port: srv.port, secret: secrets.secret }), 10_000)
    const cpu0 = srv.cpuMs()
    if (phase === 'handshakes') {
      const n = split(peers, 2)
      await pool.all('prepare', (i) => ({ for: 'handshakes', count: n[i]!, rooms: 64 }), 120_000)
      const t0 = threadCpuMs(srv.pid)
      from = monoUs()
      const r = await pool.all<CycleResult>('handshakes', () => ({ concurrency: 32, deadlineMs: 120_000, timeoutMs: 10_000 }), 150_000)
      to = monoUs()
      threads = threadDelta(t0, threadCpuMs(srv.pid))
      units = sum(r.map((x) => x.done))
    } else {
      const rooms = split(phase === 'steady' ? 400 / 4 : peers / 4, phase === 'steady' ? 1 : 2)
      const altPort = other?.port ?? 0
      await pool.all('connect', (i) => ({ rooms: rooms[i] ?? 0, roomSize: 4, prefix: 'p', altPort, concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 150_000)
      await sleep(300)
      const t0 = threadCpuMs(srv.pid)
      from = monoUs()
      const r = phase === 'steady'
        ? [await pool.call<SignalResult>(0, 'steady', { rate: 2000, durationMs: 10_000, crossOnly: other !== null }, 60_000)]
        : await pool.all<SignalResult>('storm', () => ({ rounds, ice: 8, deadlineMs: 120_000, crossOnly: other !== null }), 150_000)
      to = monoUs()
      threads = threadDelta(t0, threadCpuMs(srv.pid))
      units = sum(r.map((x) => x.received))
    }
    console.log(`${phase}: ${units} ${phase === 'handshakes' ? 'handshakes' : 'signals'} in ${((to - from) / 1e6).toFixed(1)} s; server CPU in the whole run ${(srv.cpuMs() - cpu0).toFixed(0)} ms`)
    console.log(`server CPU by thread in the window, µs per unit: ${threads.map(([k, v]) => `${k} ${((v * 1000) / units).toFixed(1)}`).join(', ')}`)
    await pool.all('closeAll', () => ({}), 30_000)
  } finally {
    await srv.stop()
    await other?.stop()
    await pool.close()
    if (env) {
      const conn = await openRedis(env.REDIS_URL)
      if (conn.redis) await deleteKeys(conn.redis, prefix).finally(() => conn.redis.disconnect())
    }
  }
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop()
  if (!file) throw new Error(`no .cpuprofile in ${dir}`)
  let s = summarize(join(dir, file), from, to)
  // Bun's profile clock is not CLOCK_MONOTONIC: fall back to the whole profile (connect phase included).
  if (s.sampledMs === 0) {
    console.log('(profile timestamps do not match this clock: summarizing the whole profile)')
    s = summarize(join(dir, file), null, null)
  }
  const per = (ms: number) => ((ms * 1000) / units).toFixed(2)
  console.log(`profile ${join(dir, file)}: ${s.sampledMs.toFixed(0)} ms sampled on the main thread in the ${s.windowMs.toFixed(0)} ms window; µs below are per ${phase === 'handshakes' ? 'handshake' : 'signal'}\n`)
  console.log('self µs   total µs  function  (source)')
  for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) console.log(`${per(f.selfMs).padStart(7)}  ${per(f.totalMs).padStart(8)}  ${f.fn}  (${f.where})`)
  console.log('\nself time by package / file')
  for (const p of s.packages.slice(0, 20)) console.log(`${per(p.selfMs).padStart(7)} µs  ${((p.selfMs / s.sampledMs) * 100).toFixed(1).padStart(5)}%  ${p.pkg}`)
  const out = resolve(import.meta.dirname, `results/profile-${kind}-${phase}${other ? '-2instances' : ''}.json`)
  const functions = [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, 300)
  writeFileSync(out, portablePaths(`${JSON.stringify({ server: kind, phase, units, threadCpuMs: Object.fromEntries(threads), profile: join(dir, file), windowMs: s.windowMs, sampledMs: s.sampledMs, packages: s.packages, functions }, null, 1)}\n`))
  console.log(`\nsummary: ${out}`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
