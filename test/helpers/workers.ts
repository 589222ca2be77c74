/**
 * @module The Workers entry on workerd, through Miniflare's API: the Worker bundled from source (as wrangler bundles
 * it), the RoomObject and Directory Durable Objects on SQLite storage, on 127.0.0.1 with an ephemeral port. About half
 * a second to ready once the bundle is built; the bundle is built once per test process.
 */
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** wrangler.toml's compatibility date, so that the tests run what `wrangler dev` and `wrangler deploy` run. */
export const COMPATIBILITY_DATE = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(`${ROOT}/wrangler.toml`, 'utf8'))?.[1] ?? '2026-04-26'

let bundle: Promise<string> | null = null

/** The Worker's ESM bundle (src/runtime/workers/worker.ts), neutral platform: no node:* may sneak in. */
export function workerBundle(): Promise<string> {
  return (bundle ??= build({
    absWorkingDir: ROOT,
    entryPoints: ['src/runtime/workers/worker.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:workers'],
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text))
}

export interface RunningWorker {
  port: number
  mf: Miniflare
  stop(): Promise<void>
}

/** Starts the Worker with `env` as its vars (strings: what `wrangler.toml` [vars] and secrets give). */
export async function startWorker(env: Record<string, string>): Promise<RunningWorker> {
  const mf = new Miniflare({
    modules: true,
    script: await workerBundle(),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { ROOMS: { className: 'RoomObject', useSQLite: true }, DIRECTORY: { className: 'Directory', useSQLite: true } },
    bindings: env,
    host: '127.0.0.1',
    port: 0,
    cf: false,
  })
  const url = await mf.ready
  let stopping: Promise<void> | null = null
  return { port: Number(url.port), mf, stop: () => (stopping ??= mf.dispose()) }
}
