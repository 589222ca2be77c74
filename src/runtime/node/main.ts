/** @module Node entry (Render, `npm start`): reads env, serves, drains on SIGTERM/SIGINT. */
import { existsSync } from 'node:fs'
import { announceReady, configOrExit, exitOnSignals, refuseToStart } from '../process.js'

if (existsSync('.env')) process.loadEnvFile('.env')
const config = configOrExit(process.env)

// Loaded after the config check so that a refused start does not pay for loading the whole app.
const { start } = await import('./index.js')
const server = await start(config).catch(refuseToStart)
announceReady(server)
exitOnSignals(() => server.close(), {
  timeoutMs: config.shutdownTimeoutMs,
  log: (msg, err) => console.error(JSON.stringify({ level: 'error', msg, err: String(err) })),
})
