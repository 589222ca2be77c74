/**
 * @module Bun entry: `bun src/runtime/bun.ts` or `bun bundles/bun.js`. HTTP and WebSocket on PORT, and
 * WebSocket only (any path) on SIGNALING_PORT unless it is 0 or equal to PORT, as on Node.
 */
import { createApp } from '../app.js'
import { ConfigError, parseConfig } from '../config.js'
import { systemScheduler } from '../lib/scheduler.js'
import { randomId } from '../lib/ids.js'
import { createLogger } from '../lib/logger.js'
import { createBackend } from './backend.js'
import { createDemoScriptLoader } from './demo-script.js'
import { createBunWebSocket, getConnInfo, refuseOtherUpgrades, type BunServer, type BunWebSocketHandler } from './bun-upgrade.js'

declare const Bun: {
  serve(options: {
    port: number
    hostname: string
    fetch: (req: Request, server: BunServer) => Response | Promise<Response>
    websocket: BunWebSocketHandler
  }): { port: number; stop(closeActive?: boolean): void }
}

let config
try {
  config = parseConfig(process.env)
} catch (err) {
  console.error(err instanceof ConfigError ? `Refusing to start: ${err.message}` : err)
  process.exit(1)
}

const instanceId = randomId()
const logger = createLogger(config.logLevel)
const backend = await createBackend(config, instanceId, logger, systemScheduler).catch((err: unknown) => {
  console.error(`Refusing to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
const { upgradeWebSocket, websocket } = createBunWebSocket({
  maxPayloadLength: config.ws.maxMessageBytes,
  maxBufferedBytes: config.ws.maxBufferedBytes,
  onError: (err) => logger.error('websocket handler failed', { err }),
})
const core = createApp({
  config,
  backend,
  scheduler: systemScheduler,
  logger,
  instanceId,
  upgradeWebSocket,
  getRemoteAddress: (c) => getConnInfo(c).remote.address ?? null,
  readMemory: () => process.memoryUsage(),
  gc: null,
  demoScript: createDemoScriptLoader(),
})
const server = Bun.serve({ port: config.port, hostname: config.host, fetch: refuseOtherUpgrades(core.app.fetch), websocket })
const signaling =
  config.signalingPort === null
    ? null
    : Bun.serve({ port: config.signalingPort, hostname: config.host, fetch: refuseOtherUpgrades(core.signalingApp.fetch), websocket })
await core.start()
logger.info('server started', { port: server.port, signalingPort: signaling?.port ?? null, storage: backend.name, instanceId, production: config.production })
console.log(`READY http+ws on ${server.port}${signaling ? `, ws on ${signaling.port}` : ''}`)

process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { reason: String(reason) }))

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs)
    force.unref()
    void core
      .shutdown()
      .then(() => backend.close())
      .then(
        () => 0,
        (err: unknown) => {
          logger.error('shutdown failed', { err })
          return 1
        },
      )
      .then((code) => {
        server.stop(true)
        signaling?.stop(true)
        process.exit(code)
      })
  })
}
