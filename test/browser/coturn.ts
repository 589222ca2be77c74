/**
 * @module A real coturn (Debian's `coturn` package) started by the test on loopback with TURN REST credentials
 * (`use-auth-secret`), as measured in ../shared/reference/platform-notes.md ("TURN with coturn").
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../helpers/net.js'
import { tcpReachable } from '../helpers/requirements.js'

export const TURNSERVER_PATH = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver'
export const coturnAvailable = () => existsSync(TURNSERVER_PATH)

export interface Coturn {
  port: number
  /** What turnserver printed (its log goes to stdout). */
  log(): string
  stop(): Promise<void>
}

/** Starts turnserver on 127.0.0.1:<free port>; resolves once it accepts TCP connections. */
export async function startCoturn(secret: string): Promise<Coturn> {
  const port = await freePort()
  const runDir = mkdtempSync(join(tmpdir(), 'coturn-'))
  const child = spawn(
    TURNSERVER_PATH,
    [
      // -n: no /etc/turnserver.conf (Debian's sends the log to syslog); loopback peers need --no-cli with it.
      '-n', '--no-cli', '--no-tls', '--no-dtls',
      '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=test',
      '--allow-loopback-peers', '--log-file=stdout', '--simple-log', `--pidfile=${join(runDir, 'turnserver.pid')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  let alive = true
  void exited.then(() => (alive = false))
  const deadline = Date.now() + 10_000
  while (!(await tcpReachable('127.0.0.1', port, 200))) {
    if (!alive || Date.now() > deadline) {
      child.kill('SIGKILL')
      rmSync(runDir, { recursive: true, force: true })
      throw new Error(`turnserver did not start on ${port}: ${out.slice(-1000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    port,
    log: () => out,
    async stop() {
      if (alive) child.kill('SIGTERM')
      await exited
      rmSync(runDir, { recursive: true, force: true })
    },
  }
}
