/**
 * @module Redis test fixtures: random key prefixes and their cleanup on the shared Redis, a private redis-server
 * child (for restart and fault tests), and server processes (the real Node entry) sharing one Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { scanForTokens } from './leaks.js'
import { nodeBundle } from './node-bundle.js'
import { freePort, TEST_SECRET } from './server.js'

export { freePort }

export const redisServerAvailable = () => spawnSync('redis-server', ['--version']).status === 0

export const randomPrefix = (tag: string) => `test-${tag}-${crypto.randomUUID().slice(0, 8)}`

/** A plain client for assertions and fault injection; never FLUSHALL the shared Redis with it. */
export const redisClient = (url: string) => new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false })

/** Deletes every key under `prefix:` (SCAN, never KEYS or FLUSHALL: other test runs share this Redis). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = redisClient(url)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      if (keys.length > 0) await client.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}


/** Waits for a line matching `pattern` on a child's output (all of which lands in `output`); rejects if the child exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, output: string[]): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let done = false
    const finish = (fn: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      fn()
    }
    const tail = () => output.join('').slice(-2000)
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${tail()}`))), timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(String(chunk))
      const m = done ? null : pattern.exec(output.join(''))
      if (m) finish(() => resolve(m))
    })
    child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)))
    child.once('exit', (code) => finish(() => reject(new Error(`exited with ${code} before ${pattern}: ${tail()}`))))
  })
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()))

/** A redis-server child on a free loopback port, without persistence: a restart loses every key. */
export async function startRedisServer() {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    await waitForLine(child, /Ready to accept connections/, 5000, [])
  }
  const stop = async () => {
    const c = child
    child = null
    if (!c) return
    c.kill('SIGTERM')
    await exited(c)
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, stop }
}
export type RedisServer = Awaited<ReturnType<typeof startRedisServer>>

/**
 * One server process (the Node entry, from source through tsx, or `bundled` as by `npm run build`: the same code,
 * started in a quarter of the time) with test env; `env` overrides the defaults.
 */
export async function startInstance(env: Record<string, string>, options: { bundled?: boolean } = {}) {
  const output: string[] = []
  const entry = options.bundled ? [await nodeBundle()] : ['--import', 'tsx', 'src/runtime/node/main.ts']
  const child = spawn(process.execPath, entry, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      SIGNALING_PORT: '0',
      HOST: '127.0.0.1',
      AUTH_SECRET: TEST_SECRET,
      PEER_LEASE_TTL: '2000',
      CLEANUP_INTERVAL: '200',
      LOG_LEVEL: 'warn',
      TOKEN_RATE_LIMIT: '10000',
      MESSAGE_BURST: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.once('close', () => scanForTokens('server process output', output.join('')))
  const ready = await waitForLine(child, /READY http\+ws on (\d+)(?:, ws on (\d+))?\n/, 15_000, output)
  const port = Number(ready[1])
  const http = `http://127.0.0.1:${port}`
  return {
    port,
    /** The SIGNALING_PORT listener, when `env` asked for one. */
    signalingPort: ready[2] ? Number(ready[2]) : null,
    http,
    ws: `ws://127.0.0.1:${port}/ws`,
    child,
    output,
    async token(userId: string, roomId: string): Promise<string> {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roomId }) }
      const res = await fetch(`${http}/api/auth/token`, init)
      if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { token: string }).token
    },
    async json(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(`${http}${path}`)
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    /** SIGTERM (drain) by default; resolves once the process has exited. */
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited(child)
    },
  }
}
export type Instance = Awaited<ReturnType<typeof startInstance>>
