/**
 * @module The soak's deployment: a private redis-server (so that it can be restarted) and two instances of the Node
 * bundle sharing it, each with the probe preload, on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { nodeBundle } from '../helpers/node-bundle.js'
import { startRedisServer, type RedisServer } from '../helpers/redis.js'
import { TEST_SECRET } from '../helpers/server.js'

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url))

export interface Probe {
  heapUsed: number
  /** The heap snapshot written with this probe (SOAK_SNAPSHOTS). */
  snapshot: string
  rss: number
  fds: number
  timers: number
}

/** Short timers so that a bounded soak sees every lifecycle end: grace, leases, sweeps, empty rooms, timeouts. */
const SOAK_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  SIGNALING_PORT: '0',
  AUTH_SECRET: TEST_SECRET,
  LOG_LEVEL: 'error',
  PEER_LEASE_TTL: '2000',
  CLEANUP_INTERVAL: '500',
  RECONNECT_GRACE: '1000',
  ROOM_EMPTY_GRACE: '500',
  AUTH_TIMEOUT: '5000',
  // Short enough that half-open upgrades end within the soak, long enough that this (busy) client process is never
  // taken for a slow one.
  HEADERS_TIMEOUT: '3000',
  REQUEST_TIMEOUT: '5000',
  // Every soak client connects from 127.0.0.1: the per-address limits would throttle the soak itself.
  AUTH_FAILURE_LIMIT: '1000000',
  TOKEN_RATE_LIMIT: '1000000',
  JOIN_RATE_LIMIT: '1000000',
  MAX_PENDING_CONNECTIONS_PER_IP: '500',
}

export class Instance {
  private out = ''
  private waiters: (() => void)[] = []
  readonly exited: Promise<void>

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    public port = 0,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      this.out += c
      for (const w of this.waiters.splice(0)) w()
    })
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.out += c))
    this.exited = new Promise((resolve) => child.once('close', () => resolve()))
  }

  static async start(name: string, env: Record<string, string>): Promise<Instance> {
    const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, await nodeBundle()], { env: { PATH: process.env.PATH ?? '', ...SOAK_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const instance = new Instance(name, child)
    instance.port = Number((await instance.line(/READY http\+ws on (\d+)/, 15_000))[1])
    return instance
  }

  get http() {
    return `http://127.0.0.1:${this.port}`
  }
  get ws() {
    return `ws://127.0.0.1:${this.port}/ws`
  }
  output() {
    return this.out
  }

  /** The first output line matching `pattern` after `from` (a character offset). */
  private async line(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = pattern.exec(this.out.slice(from))
      if (m) return m
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`${this.name} exited: ${this.out.slice(-500)}`)
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now())
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Full GC, then heap, RSS, file descriptors and live timers, as the probe preload reports them. */
  async probe(): Promise<Probe> {
    const from = this.out.length
    this.child.kill('SIGUSR2')
    return JSON.parse((await this.line(/SOAK-PROBE (\{.*\})\n/, 10_000, from))[1]!) as Probe
  }

  /**
   * One HTTP request on a connection of its own, closed after the answer: a keep-alive pool would hold sockets open on
   * the server and blur its file-descriptor count.
   */
  api(path: string, body?: unknown): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
      const req = request(`${this.http}${path}`, { method: payload === undefined ? 'GET' : 'POST', agent: false, headers }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }))
      })
      req.once('error', reject)
      req.end(payload)
    })
  }

  async token(userId: string, roomId: string): Promise<string> {
    const res = await this.api('/api/auth/token', { userId, roomId })
    if (res.status !== 200) throw new Error(`mint on ${this.name}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body.token as string
  }

  async stop(signal: NodeJS.Signals) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    await this.exited
  }
}

export interface Cluster {
  redis: RedisServer
  a: Instance
  /** The instance that gets killed; `startB` replaces it. */
  b: Instance
  startB(): Promise<Instance>
  stop(): Promise<void>
}

/** `snapshots`: the directory the instances write their heap snapshots to. */
export async function startCluster(snapshots: string): Promise<Cluster> {
  const redis = await startRedisServer()
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'soak', SOAK_SNAPSHOTS: snapshots }
  const [a, b] = await Promise.all([Instance.start('A', env), Instance.start('B', env)])
  const cluster: Cluster = {
    redis,
    a,
    b,
    async startB() {
      cluster.b = await Instance.start('B', env)
      return cluster.b
    },
    async stop() {
      await Promise.all([a.stop('SIGKILL'), cluster.b.stop('SIGKILL')])
      await redis.stop()
    },
  }
  return cluster
}
