/**
 * @module `npx tsx test/bench/heap.ts [--server=node|node-exp|peerjs|ywebrtc|bare] [--phase=idle|churn] [--peers=N] [--top=N]`:
 * heap snapshots of a server before and after N idle peers join (rooms of 4), or before and after N churn
 * cycles, and what each peer or cycle added, by constructor.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBundles } from './lib/build.js'
import { census, growth, takeSnapshot } from './lib/heapsnapshot.js'
import { sleep } from './lib/proc.js'
import { newSecrets, protocolOf, startServer, type ServerKind } from './lib/servers.js'
import { startWorkers } from './lib/workers.js'
import { split, sum, type ConnectResult, type CycleResult } from './scenarios/context.js'

const flags = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const kind = (flags.get('server') ?? 'node') as ServerKind
const peers = Number(flags.get('peers') ?? 2000)
const top = Number(flags.get('top') ?? 25)
const phase = flags.get('phase') ?? 'idle'

async function main() {
  if (kind === 'bun') throw new Error('heap snapshots need a Node server')
  console.log(`build: ${ensureBundles()}`)
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-heap-'))
  const secrets = newSecrets()
  const pool = await startWorkers(2)
  const srv = await startServer(kind, { secrets, nodeFlags: ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${dir}`] })
  try {
    await pool.all('setup', (i) => ({ index: i, protocol: protocolOf(kind), port: srv.port, secret: secrets.secret }), 10_000)
    let a: string
    let n: number
    if (phase === 'churn') {
      await pool.all('connect', () => ({ rooms: 20, roomSize: 1, prefix: 'a', concurrency: 20, timeoutMs: 20_000, deadlineMs: 60_000 }), 90_000)
      const churn = async (count: number, tag: string) => {
        await pool.all('prepare', () => ({ for: 'churn', count: count / 2, tag }), 120_000)
        const r = await pool.all<CycleResult>('churn', () => ({ concurrency: 32, deadlineMs: 240_000, timeoutMs: 10_000 }), 300_000)
        return sum(r.map((x) => x.done))
      }
      await churn(Math.min(1000, peers), 'w')
      await sleep(1000)
      a = await takeSnapshot(srv.pid, dir)
      n = await churn(peers, 'm')
    } else {
      await sleep(500)
      a = await takeSnapshot(srv.pid, dir)
      const rooms = split(peers / 4, 2)
      const r = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: 4, prefix: 'h', concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 150_000)
      n = sum(r.map((x) => x.connected))
    }
    await sleep(1000)
    const b = await takeSnapshot(srv.pid, dir)
    const g = growth(census(a), census(b), n)
    const total = g.reduce((s, x) => s + x.bytesPerUnit, 0)
    console.log(`${kind}: ${n} ${phase === 'churn' ? 'cycles' : 'peers'}; heap snapshot growth ${total.toFixed(0)} B per ${phase === 'churn' ? 'cycle' : 'peer'} (self sizes)\n`)
    console.log('bytes/unit  count/unit  type and constructor')
    for (const x of g.slice(0, top)) console.log(`${x.bytesPerUnit.toFixed(0).padStart(10)}  ${x.countPerUnit.toFixed(2).padStart(10)}  ${x.key}`)
    await pool.all('closeAll', () => ({}), 30_000)
  } finally {
    await srv.stop()
    await pool.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
