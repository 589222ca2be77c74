/**
 * @module Runs the real Node entry (src/runtime/node/main.ts via tsx) as a child process with a controlled env,
 * waiting on its output and exit by event, never by sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { scanForTokens } from './leaks.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the exit code and signal; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves once stdout has a line matching `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Kills the process if it is still running and waits for it. */
  stop(): Promise<void>
}

/**
 * Spawns `node [nodeArgs] --import tsx src/runtime/node/main.ts` in the repo with only PATH/HOME/TMPDIR
 * inherited, plus `env`. Values set to '' stay set, so a stray .env file cannot fill them in.
 */
export function spawnServer(env: Record<string, string>, nodeArgs: string[] = []): ServerProcess {
  return spawnCommand(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/runtime/node/main.ts'], { HOST: '127.0.0.1', SIGNALING_PORT: '0', LOG_LEVEL: 'warn', ...env })
}

/** Spawns any command (a bundle in a folder of its own, a shell line) the same way: PATH/HOME/TMPDIR plus `env`. */
export function spawnCommand(command: string, args: string[], env: Record<string, string>, cwd = ROOT): ServerProcess {
  const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])))
  const child = spawn(command, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    notify()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      scanForTokens('server process output', out + err)
      exit = { code, signal }
      notify()
      resolve(exit)
    })
  })

  const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; stderr: ${err.slice(-500)}`)), ms)
      p.then(
        (v) => {
          clearTimeout(t)
          resolve(v)
        },
        (e: unknown) => {
          clearTimeout(t)
          reject(e instanceof Error ? e : new Error(String(e)))
        },
      )
    })

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: (timeoutMs = 15_000) => withTimeout(exitPromise, timeoutMs, 'exit'),
    waitFor(pattern, timeoutMs = 20_000) {
      const found = new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l))
          if (line !== undefined) {
            listeners.delete(check)
            resolve(line)
          } else if (exit) {
            listeners.delete(check)
            reject(new Error(`process exited (${JSON.stringify(exit)}) before printing ${pattern}; stderr: ${err.slice(-500)}`))
          }
        }
        listeners.add(check)
        check()
      })
      return withTimeout(found, timeoutMs, String(pattern))
    },
    async stop() {
      if (exit) return
      child.kill('SIGKILL')
      await exitPromise
    },
  }
}
