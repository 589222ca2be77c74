/**
 * @module The servers under test: how each is started as a child process on loopback, how it is
 * known to be ready (first HTTP 200), and what can be read from it while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { command, ROOT, type StartOptions } from './commands.js'
import { cpuMs, freePort, rss, sleep, treeCpuMs, treeRss } from './proc.js'

export { newSecrets, oursEnv, useBundleDir, type Secrets, type StartOptions } from './commands.js'

export const SERVER_KINDS = ['node', 'bun', 'workerd', 'peerjs', 'ywebrtc', 'bare', 'bare-nocork', 'node-exp'] as const
export type ServerKind = (typeof SERVER_KINDS)[number]
/** `yjs`: y-webrtc's own protocol on our /yjs; `ywebrtc-room`: the same on y-webrtc's server (the yjs scenario). */
export type Protocol = 'ours' | 'peerjs' | 'ywebrtc' | 'bare' | 'yjs' | 'ywebrtc-room'

export const LABELS: Record<ServerKind, string> = {
  node: 'ours (Node)',
  bun: 'ours (Bun)',
  workerd: 'ours (workerd, wrangler dev)',
  peerjs: 'PeerJS 1.0.2',
  ywebrtc: 'y-webrtc 10.3.0',
  bare: 'bare ws relay',
  'bare-nocork': 'bare ws, no cork',
  'node-exp': 'ours (Node, experiment)',
}

export const protocolOf = (k: ServerKind): Protocol =>
  k === 'node' || k === 'bun' || k === 'node-exp' || k === 'workerd' ? 'ours' : k === 'bare' || k === 'bare-nocork' ? 'bare' : k

const healthPath = (kind: ServerKind) => (protocolOf(kind) === 'ours' ? '/api/health' : '/')

/** One HTTP request on loopback; resolves with status and body, rejects on connection errors. */
export function httpCall(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', fail)
    req.setTimeout(5000, () => req.destroy(new Error('timeout')))
    req.end(init.body)
  })
}

export interface RunningServer {
  kind: ServerKind
  pid: number
  port: number
  /** Spawn to first HTTP 200 on the health path, ms. */
  coldStartMs: number
  cpuMs(): number
  rss(): number
  /** Forces a GC in the server (preload) and returns its memory; null without the preload or on timeout. */
  gcAndMemory(): Promise<{ rss: number; heapUsed: number } | null>
  output(): string[]
  /** Exit code or signal once the process has ended, else null. */
  exited(): string | null
  stop(): Promise<void>
}

async function waitHealthy(child: ChildProcess, port: number, path: string, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`)
    const status = await httpCall(port, path).then((r) => r.status, () => 0)
    if (status === 200) return
    await sleep(2)
  }
  throw new Error(`no 200 from ${path} within ${timeoutMs} ms`)
}

export async function startServer(kind: ServerKind, o: StartOptions): Promise<RunningServer> {
  const port = await freePort()
  const { cmd, args, env } = command(kind, port, o)
  const t0 = performance.now()
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const waiters: ((line: string) => void)[] = []
  const onLine = (line: string) => {
    if (line.startsWith('BENCH-MEM ')) return waiters.shift()?.(line)
    lines.push(line)
    if (lines.length > 200) lines.shift()
  }
  for (const stream of [child.stdout, child.stderr]) {
    let buf = ''
    stream?.setEncoding('utf8')
    stream?.on('data', (chunk: string) => {
      buf += chunk
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i))
        buf = buf.slice(i + 1)
      }
    })
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    await waitHealthy(child, port, healthPath(kind), kind === 'workerd' ? 60_000 : 15_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${kind} did not start: ${(err as Error).message}\n${lines.slice(-20).join('\n')}`)
  }
  const coldStartMs = performance.now() - t0
  const pid = child.pid as number
  return {
    kind,
    pid,
    port,
    coldStartMs,
    // wrangler dev serves from its workerd children: the whole process tree counts.
    cpuMs: () => (kind === 'workerd' ? treeCpuMs(pid) : cpuMs(pid)),
    rss: () => (kind === 'workerd' ? treeRss(pid) : rss(pid).rss),
    async gcAndMemory() {
      if (o.plain) return null
      const line = new Promise<string | null>((r) => {
        waiters.push(r)
        setTimeout(() => {
          const i = waiters.indexOf(r)
          if (i >= 0) waiters.splice(i, 1)
          r(null)
        }, 30_000)
      })
      child.kill('SIGUSR2')
      const got = await line
      return got ? (JSON.parse(got.slice('BENCH-MEM '.length)) as { rss: number; heapUsed: number }) : null
    },
    output: () => [...lines],
    exited: () => (child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode ? `signal ${child.signalCode}` : null),
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timeout = sleep(5000).then(() => 'timeout')
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}
