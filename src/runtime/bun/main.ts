/** @module Bun entry: `bun src/runtime/bun/main.ts` or `bun bundles/bun.js`. Reads env, serves, drains on SIGTERM/SIGINT. */
import { announceReady, configOrExit, exitOnSignals, refuseToStart } from '../process.js'
import { start } from './index.js'

const config = configOrExit(process.env)
const server = await start(config).catch(refuseToStart)
announceReady(server)
exitOnSignals(() => server.close(), {
  timeoutMs: config.shutdownTimeoutMs,
  log: (msg, err) => console.error(JSON.stringify({ level: 'error', msg, err: String(err) })),
})
