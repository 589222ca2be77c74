/** @module Node entry (Render, `npm start`): reads env, serves, drains on SIGTERM/SIGINT. */
import { existsSync } from 'node:fs'
import { ConfigError, parseConfig } from '../config.js'

if (existsSync('.env')) process.loadEnvFile('.env')

let config
try {
  config = parseConfig(process.env)
} catch (err) {
  console.error(err instanceof ConfigError ? `Refusing to start: ${err.message}` : err)
  process.exit(1)
}

// Loaded after the config check so that a refused start does not pay for loading the whole app.
const { startNodeServer } = await import('./node-server.js')
const server = await startNodeServer(config).catch((err: unknown) => {
  const code = (err as { code?: string }).code
  if (code === 'EADDRINUSE') console.error(`Refusing to start: a port is already in use (${String((err as Error).message)})`)
  else if (err instanceof Error && err.name === 'StoreError') console.error(`Refusing to start: ${err.message}`)
  else console.error(err)
  process.exit(1)
})
console.log(`READY http+ws on ${server.port}${server.signalingPort ? `, ws on ${server.signalingPort}` : ''}`)

process.on('unhandledRejection', (reason) => console.error(JSON.stringify({ level: 'error', msg: 'unhandled rejection', reason: String(reason) })))

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs)
    force.unref()
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  })
}
