/** @module How each server under test is started: command, arguments and environment (ours with production settings). */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ServerKind } from './servers.js'

export const ROOT = resolve(import.meta.dirname, '../../..')
const PRELOAD = resolve(import.meta.dirname, '../servers/gc-signal.mjs')
const BUN = resolve(ROOT, 'node_modules/bun/bin/bun.exe')
const WRANGLER = resolve(ROOT, 'node_modules/wrangler/bin/wrangler.js')

/** Where node.mjs and bun.js are started from: bundles/, or a run's private copy (see snapshotBundles). */
let bundleDir = resolve(ROOT, 'bundles')
/** The `node-exp` bundle: the run's private copy, else BENCH_EXP_BUNDLE as given (profile.ts, heap.ts). */
let expBundle: string | null = null
export const useBundleDir = (dir: string, exp: string | null = null) => {
  bundleDir = dir
  expBundle = exp
}

/** Secrets for one bench run; workers mint tokens with `secret` exactly as an app backend would. */
export interface Secrets {
  secret: string
  issuerKey: string
  adminToken: string
}

export const newSecrets = (): Secrets => ({
  secret: randomBytes(32).toString('hex'),
  issuerKey: randomBytes(24).toString('hex'),
  adminToken: randomBytes(24).toString('hex'),
})

/** Production mode with auth and validation on; only capacity limits that a load test would hit are raised. */
export function oursEnv(port: number, s: Secrets): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    SIGNALING_PORT: '0',
    AUTH_SECRET: s.secret,
    TOKEN_ISSUER_KEY: s.issuerKey,
    ADMIN_TOKEN: s.adminToken,
    // Production refuses CORS_ORIGINS=*; the load clients send no Origin, so any explicit origin will do.
    CORS_ORIGINS: 'https://bench.invalid',
    LOG_LEVEL: 'warn',
    MAX_CONNECTIONS: '1000000',
    MAX_CONNECTIONS_PER_IP: '1000000',
    // Every load client connects from 127.0.0.1: the per-address caps of issue 9 would throttle the load itself.
    MAX_PENDING_CONNECTIONS: '1000000',
    MAX_PENDING_CONNECTIONS_PER_IP: '1000000',
    AUTH_FAILURE_LIMIT: '1000000',
    JOIN_RATE_LIMIT: '1000000',
    TOKEN_RATE_LIMIT: '1000000',
    MESSAGE_RATE: '1000000',
    MESSAGE_BURST: '1000000',
    MAX_ROOMS: '1000000',
    MEMORY_WARNING_THRESHOLD: '16000',
    MEMORY_CRITICAL_THRESHOLD: '20000',
  }
}

export interface StartOptions {
  secrets: Secrets
  /** Plain start (no GC preload, no --expose-gc): what cold start measures. */
  plain?: boolean
  /** Extra Node flags (e.g. --cpu-prof) for Node-run servers. */
  nodeFlags?: string[]
  /** Extra Bun flags (e.g. --cpu-prof) for ours on Bun. */
  bunFlags?: string[]
  /** Extra environment for ours (e.g. REDIS_URL and REDIS_PREFIX for xrelay). */
  env?: Record<string, string>
}

export function command(kind: ServerKind, port: number, o: StartOptions): { cmd: string; args: string[]; env: Record<string, string> } {
  const node = process.execPath
  const pre = o.plain ? [] : ['--expose-gc', '--import', pathToFileURL(PRELOAD).href]
  const flags = [...pre, ...(o.nodeFlags ?? [])]
  const ours = { ...oursEnv(port, o.secrets), ...o.env }
  switch (kind) {
    case 'node':
      return { cmd: node, args: [...flags, resolve(bundleDir, 'node.mjs')], env: ours }
    case 'node-exp': {
      // A candidate bundle (see experiments/patch-bundle.mjs) or another build, A/B against `node` in the same run.
      const bundle = expBundle ?? process.env.BENCH_EXP_BUNDLE
      if (!bundle) throw new Error('node-exp needs BENCH_EXP_BUNDLE=<path to a node bundle> (or --ab=)')
      return { cmd: node, args: [...flags, resolve(bundle)], env: ours }
    }
    case 'bun':
      return { cmd: BUN, args: [...(o.plain ? [] : ['--preload', PRELOAD]), ...(o.bunFlags ?? []), resolve(bundleDir, 'bun.js')], env: ours }
    case 'workerd': {
      // wrangler dev as `npm run dev:worker` runs it (offline), with the bench's production settings as vars.
      const vars = Object.entries(ours).flatMap(([k, v]) => ['--var', `${k}:${v}`])
      const env = { HOME: process.env.HOME ?? '', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
      return { cmd: node, args: [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...vars], env }
    }
    case 'peerjs': {
      const opts = ['--port', String(port), '--host', '127.0.0.1', '--concurrent_limit', '1000000', '--alive_timeout', '600000']
      return { cmd: node, args: [...flags, 'node_modules/peer/dist/bin/peerjs.js', ...opts], env: {} }
    }
    case 'ywebrtc':
      return { cmd: node, args: [...flags, 'node_modules/y-webrtc/bin/server.js'], env: { PORT: String(port) } }
    case 'bare':
    case 'bare-nocork':
      return { cmd: node, args: [...flags, 'test/bench/servers/bare-relay.mjs'], env: { PORT: String(port), BARE_CORK: kind === 'bare' ? '1' : '0' } }
  }
}
