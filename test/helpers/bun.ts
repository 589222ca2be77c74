/** @module Runs the real Bun entry (`bun src/runtime/bun/main.ts`) as a child process with test settings, waiting on its output by event. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { scanForTokens } from './leaks.js'
import { BUN_PATH } from './requirements.js'
import { TEST_SECRET } from './server.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface BunProcess {
  child: ChildProcess
  port: number
  /** The SIGNALING_PORT listener, when one was asked for. */
  signalingPort: number | null
  ws: string
  http: string
  output: () => string
  token(userId: string, roomId: string): Promise<string>
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>
  /** SIGKILL by default; resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Starts the Bun entry from source with test settings plus `env`; resolves once it printed READY. */
export async function startBun(env: Record<string, string> = {}): Promise<BunProcess> {
  const child = spawn(BUN_PATH, ['src/runtime/bun/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      SIGNALING_PORT: '0',
      AUTH_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      TOKEN_RATE_LIMIT: '10000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c))
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      scanForTokens('bun process output', out)
      resolve(code)
    }),
  )
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Bun did not print READY in 15 s: ${out}`)), 15_000)
    const check = () => {
      const m = /READY http\+ws on (\d+)(?:, ws on (\d+))?\n/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve(m)
    }
    child.stdout!.on('data', check)
    void exited.then((code) => reject(new Error(`Bun exited (${code}) before READY: ${out}`)))
  })
  const port = Number(ready[1])
  const http = `http://127.0.0.1:${port}`
  return {
    child,
    port,
    signalingPort: ready[2] ? Number(ready[2]) : null,
    http,
    ws: `ws://127.0.0.1:${port}/ws`,
    output: () => out,
    exited,
    async token(userId, roomId) {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roomId }) }
      const res = await fetch(`${http}/api/auth/token`, init)
      if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { token: string }).token
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}
