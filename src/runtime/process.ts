/**
 * @module What the Node and Bun entries share around the server: the config check that refuses to start, the READY
 * line tests and operators wait for, and the drain on SIGTERM/SIGINT with a hard deadline.
 */
import { ConfigError, parseConfig, type Config } from '../config.js'

/** Prints why the process will not start and exits 1. */
export function refuseToStart(err: unknown): never {
  const code = (err as { code?: string } | null)?.code
  if (err instanceof ConfigError) console.error(`Refusing to start: ${err.message}`)
  else if (code === 'EADDRINUSE') console.error(`Refusing to start: a port is already in use (${String((err as Error).message)})`)
  else if (err instanceof Error && err.name === 'StoreError') console.error(`Refusing to start: ${err.message}`)
  else console.error(err)
  process.exit(1)
}

/** The config from the environment, or a refusal to start. */
export function configOrExit(env: Record<string, string | undefined>): Config {
  try {
    return parseConfig(env)
  } catch (err) {
    refuseToStart(err)
  }
}

/** The line a supervisor (and the tests) wait for. */
export function announceReady(ports: { port: number; signalingPort: number | null }) {
  console.log(`READY http+ws on ${ports.port}${ports.signalingPort ? `, ws on ${ports.signalingPort}` : ''}`)
}

/**
 * On the first SIGTERM or SIGINT, runs `close` (the drain) and exits 0, or 1 when it fails or outlasts `timeoutMs`.
 * Also logs unhandled rejections instead of dying on them.
 */
export function exitOnSignals(close: () => Promise<void>, o: { timeoutMs: number; log: (msg: string, err: unknown) => void }) {
  process.on('unhandledRejection', (reason) => o.log('unhandled rejection', String(reason)))
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(1), o.timeoutMs)
    force.unref?.()
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        o.log('shutdown failed', err)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
