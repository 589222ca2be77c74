/**
 * @module `npm run bench`: starts each server under test as a child process on loopback, alternating
 * servers within each scenario, and prints medians with ratios to our Node server. See docs/performance.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs, type Options, type Scenario } from './lib/args.js'
import { ensureBundles, snapshotBundles } from './lib/build.js'
import { describeMachine } from './lib/machine.js'
import { loadAverage } from './lib/proc.js'
import { markdownTable, summarize, textTable, type Run } from './lib/report.js'
import { LABELS, newSecrets, useBundleDir, type ServerKind } from './lib/servers.js'
import { judge } from './lib/targets.js'
import { startWorkers } from './lib/workers.js'
import { churn } from './scenarios/churn.js'
import { cold } from './scenarios/cold.js'
import type { Ctx, RunResult } from './scenarios/context.js'
import { idle } from './scenarios/idle.js'
import { steady } from './scenarios/steady.js'
import { storm } from './scenarios/storm.js'
import { token } from './scenarios/token.js'

const SCENARIO_FNS: Record<Scenario, (ctx: Ctx, kind: ServerKind) => Promise<RunResult>> = { cold, idle, storm, churn, steady, token }

/** Figures worth a line of progress output per run. */
const HEADLINE: Record<Scenario, string[]> = {
  cold: ['coldStartMs'],
  idle: ['connectRate', 'rssKbPerPeer1', 'rssKbSlope', 'rssMbAt50k'],
  storm: ['msgsPerSec', 'cpuUsPerMsg', 'p50Ms', 'p99Ms'],
  churn: ['cyclesPerSec', 'cpuUsPerCycle', 'heapGrowthPct'],
  steady: ['p50Ms', 'p99Ms', 'p999Ms'],
  token: ['mintsPerSec', 'handshakesPerSec', 'cpuUsPerHandshake'],
}

const repsOf = (o: Options, s: Scenario) => (s === 'cold' ? o.coldStarts : s === 'idle' ? o.idleReps : o.reps)
const rotate = <T>(xs: T[], by: number) => xs.map((_, i) => xs[(i + by) % xs.length]!)

async function main() {
  const argv = process.argv.slice(2)
  const o = parseArgs(argv)
  const log = (line: string) => console.log(line)
  const started = Date.now()
  const deadline = started + o.maxMinutes * 60_000
  if (o.build) log(`build: ${ensureBundles()}`)
  const bundles = snapshotBundles()
  useBundleDir(bundles.dir)
  log(`bundles: commit ${bundles.commit}${bundles.uncommittedSrc.length ? ` + ${bundles.uncommittedSrc.length} uncommitted src changes` : ''}, node.mjs ${bundles.sha256['node.mjs']}, bun.js ${bundles.sha256['bun.js']} (copied to ${bundles.dir})`)
  const machineBefore = describeMachine()
  log(`machine: ${machineBefore.cores} x ${machineBefore.cpu}, ${machineBefore.memoryGb} GB, node ${machineBefore.node}, bun ${machineBefore.bun}, load ${machineBefore.loadAverage.join(' ')}`)
  const pool = await startWorkers(o.workers)
  const ctx: Ctx = { o, secrets: newSecrets(), pool, log }
  const runs: Run[] = []
  const skipped: string[] = []
  try {
    for (const scenario of o.scenarios) {
      const reps = repsOf(o, scenario)
      for (let rep = 0; rep < reps; rep++) {
        for (const kind of rotate(o.servers, rep)) {
          if (Date.now() > deadline) {
            skipped.push(`${scenario}#${rep + 1} ${kind}`)
            continue
          }
          const t0 = Date.now()
          try {
            const r = await SCENARIO_FNS[scenario](ctx, kind)
            runs.push({ scenario, kind, rep, ...r })
            const head = HEADLINE[scenario].filter((m) => r.metrics[m] != null).map((m) => `${m}=${Number(r.metrics[m]).toFixed(2)}`)
            log(`[${scenario} ${rep + 1}/${reps}] ${LABELS[kind].padEnd(16)} ${head.join(' ')}  (${((Date.now() - t0) / 1000).toFixed(1)} s)${r.notes.length ? `  ! ${r.notes.join('; ')}` : ''}`)
          } catch (err) {
            runs.push({ scenario, kind, rep, metrics: {}, notes: [], error: String((err as Error).message) })
            log(`[${scenario} ${rep + 1}/${reps}] ${LABELS[kind]} FAILED: ${(err as Error).message.split('\n')[0]}`)
          }
        }
      }
    }
  } finally {
    await pool.close()
    rmSync(bundles.dir, { recursive: true, force: true })
  }
  const { medians, spreads } = summarize(runs)
  const verdicts = judge(medians)
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
  const elapsedS = Math.round((Date.now() - started) / 1000)
  log(`\n${textTable(o, medians)}\n`)
  for (const v of verdicts) log(`${v.met === null ? '  ?  ' : v.met ? ' MET ' : ' MISS'}  ${v.target}: ${v.figure}`)
  if (skipped.length) log(`\nskipped (time budget of ${o.maxMinutes} min): ${skipped.join(', ')}`)
  const loadAfter = loadAverage()
  log(`\n${command}: ${elapsedS} s; load average before ${machineBefore.loadAverage.join(' ')}, after ${loadAfter.join(' ')}`)
  const result = { command, date: new Date(started).toISOString(), elapsedS, bundles, machine: machineBefore, loadAfter, options: o, medians, spreads, verdicts, skipped, runs, table: markdownTable(o, medians) }
  mkdirSync(dirname(o.out), { recursive: true })
  writeFileSync(o.out, `${JSON.stringify(result, null, 1)}\n`)
  writeFileSync(o.out.replace(/\.json$/, '.md'), `Command: \`${command}\` (${result.date}, ${elapsedS} s; commit ${bundles.commit}${bundles.uncommittedSrc.length ? ' with uncommitted src changes' : ''}, node.mjs ${bundles.sha256['node.mjs']})\n\n${result.table}\n`)
  log(`results: ${o.out}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
