/**
 * @module Starts the app on Bun.serve: HTTP and WebSocket on PORT, and WebSocket only (any path) on SIGNALING_PORT
 * unless it is 0 or equal to PORT, as on Node; `close` drains.
 */
import { createApp } from '../../app.js'
import type { Config } from '../../config.js'
import { systemScheduler } from '../../lib/scheduler.js'
import { randomId } from '../../lib/ids.js'
import { createLogger } from '../../lib/logger.js'
import { adapterDeps } from '../adapter.js'
import { createBackend } from '../backend.js'
import { createDemoScriptLoader } from '../demo-script.js'
import { socketPort } from './socket-port.js'
import { getConnInfo, refuseOtherUpgrades, upgradeWebSocket, websocketHandlers, type BunServer, type BunWebSocketHandler } from './upgrade.js'

declare const Bun: {
  serve(options: {
    port: number
    hostname: string
    fetch: (req: Request, server: BunServer) => Response | Promise<Response>
    websocket: BunWebSocketHandler
  }): { port: number; stop(closeActive?: boolean): void }
}

export async function startBunServer(config: Config) {
  const instanceId = randomId()
  const logger = createLogger(config.logLevel)
  // Bun runs each WebSocket message as its own task: the bus batches to the end of the I/O phase instead.
  const backend = await createBackend(config, instanceId, logger, systemScheduler, 'immediate')
  const websocket = websocketHandlers({
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
    ...adapterDeps({ upgradeWebSocket, socketPort, getConnInfo }),
    readMemory: () => process.memoryUsage(),
    gc: null,
    demoScript: createDemoScriptLoader(),
  })
  const serve = (fetch: typeof core.app.fetch, port: number) => Bun.serve({ port, hostname: config.host, fetch: refuseOtherUpgrades(fetch), websocket })
  const server = serve(core.app.fetch, config.port)
  const signaling = config.signalingPort === null ? null : serve(core.signalingApp.fetch, config.signalingPort)
  await core.start()
  logger.info('server started', { port: server.port, signalingPort: signaling?.port ?? null, storage: backend.name, instanceId, production: config.production })

  return {
    port: server.port,
    signalingPort: signaling?.port ?? null,
    core,
    /** Drains, closes the store, then stops both listeners. */
    async close() {
      try {
        await core.shutdown()
        await backend.close()
      } finally {
        server.stop(true)
        signaling?.stop(true)
      }
    },
  }
}
