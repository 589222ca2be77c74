/**
 * @module `npm run bench`: starts each server under test as a child process on loopback, alternating
 * servers within each scenario, and prints medians with ratios to our Node server. See docs/performance.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { abSidesText, abTable } from './lib/ab.js'
import { parseArgs, type Options, type Scenario } from './lib/args.js'
import { ensureBundles, snapshotBundles, type BundleSnapshot } from './lib/build.js'
import { ROOT } from './lib/commands.js'
import { describeMachine } from './lib/machine.js'
import { loadAverage } from './lib/proc.js'
import { portablePaths } from './lib/paths.js'
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
import { xrelay } from './scenarios/xrelay.js'
import { yjs } from './scenarios/yjs.js'

const SCENARIO_FNS: Record<Scenario, (ctx: Ctx, kind: ServerKind) => Promise<RunResult>> = { cold, idle, storm, churn, steady, token, xrelay, yjs }

/** Figures worth a line of progress output per run. */
const HEADLINE: Record<Scenario, string[]> = {
  cold: ['coldStartMs'],
  idle: ['connectRate', 'rssKbPerPeer1', 'rssKbSlope', 'rssMbAt50k'],
  storm: ['msgsPerSec', 'cpuUsPerMsg', 'p50Ms', 'p99Ms'],
  churn: ['cyclesPerSec', 'cpuUsPerCycle', 'heapGrowthPct'],
  steady: ['p50Ms', 'p99Ms', 'p999Ms'],
  token: ['cpuUsPerMint', 'cpuUsPerHealth', 'handshakesPerSec', 'cpuUsPerHandshake'],
  xrelay: ['cpuUsPerMsg', 'serversCpuUsPerMsg', 'redisCpuUsPerMsg', 'oneCpuUsPerMsg', 'crossRatio', 'steadyP50Ms', 'oneSteadyP50Ms'],
  yjs: ['rssKbPerPeer', 'heapKbPerPeer', 'cpuUsPerPublish', 'heapKbPerClosedPeer'],
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
  // node-exp's bundle is copied too, so that a rebuild of its checkout mid-run cannot mix two builds.
  const exp = o.ab ? (o.ab.after ?? resolve(ROOT, 'bundles/node.mjs')) : o.servers.includes('node-exp') ? (process.env.BENCH_EXP_BUNDLE ?? null) : null
  const bundles = snapshotBundles({ node: o.ab?.before, exp })
  useBundleDir(bundles.dir, bundles.exp)
  log(`bundles: commit ${bundles.commit}${bundles.uncommittedSrc.length ? ` + ${bundles.uncommittedSrc.length} uncommitted src changes` : ''}, node.mjs ${bundles.sha256['node.mjs']}, bun.js ${bundles.sha256['bun.js']} (copied to ${bundles.dir})`)
  if (exp) log(abSidesText(bundles))
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
  report(o, { command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`, started, bundles, machine: machineBefore, runs, skipped }, log)
}

interface Done {
  command: string
  started: number
  bundles: BundleSnapshot
  machine: ReturnType<typeof describeMachine>
  runs: Run[]
  skipped: string[]
}

/** Prints the table (with --ab, the A/B table instead), and writes the JSON and Markdown results (with --ab, both tables). */
function report(o: Options, d: Done, log: (line: string) => void) {
  const { medians, spreads, ranges } = summarize(d.runs)
  const verdicts = o.ab ? [] : judge(medians)
  const elapsedS = Math.round((Date.now() - d.started) / 1000)
  const ab = o.ab ? abTable(o, medians, ranges) : null
  log(`\n${ab ?? textTable(o, medians)}\n`)
  for (const v of verdicts) log(`${v.met === null ? '  ?  ' : v.met ? ' MET ' : ' MISS'}  ${v.target}: ${v.figure}`)
  if (d.skipped.length) log(`\nskipped (time budget of ${o.maxMinutes} min): ${d.skipped.join(', ')}`)
  const loadAfter = loadAverage()
  log(`\n${d.command}: ${elapsedS} s; load average before ${d.machine.loadAverage.join(' ')}, after ${loadAfter.join(' ')}`)
  const date = new Date(d.started).toISOString()
  const table = markdownTable(o, medians, ranges)
  const result = { command: d.command, date, elapsedS, bundles: d.bundles, machine: d.machine, loadAfter, options: o, medians, spreads, ranges, verdicts, skipped: d.skipped, runs: d.runs, table, abTable: ab }
  mkdirSync(dirname(o.out), { recursive: true })
  writeFileSync(o.out, portablePaths(`${JSON.stringify(result, null, 1)}\n`))
  const { bundles } = d
  const head = `Command: \`${d.command}\` (${date}, ${elapsedS} s; load ${d.machine.loadAverage.join(' ')} -> ${loadAfter.join(' ')}; commit ${bundles.commit}${bundles.uncommittedSrc.length ? ' with uncommitted src changes' : ''}, node.mjs ${bundles.sha256['node.mjs']})`
  const body = ab ? `${abSidesText(bundles)}\n\n${ab}\n\nSame runs, as the usual table (ratios to before):\n\n${table}` : table
  writeFileSync(o.out.replace(/\.json$/, '.md'), portablePaths(`${head}\n\n${body}\n`))
  log(`results: ${o.out}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
