/** @module Bun entry: `bun src/runtime/bun.ts` or `bun bundles/bun.js`. HTTP and WebSocket on PORT. */
import { getConnInfo, upgradeWebSocket, websocket } from 'hono/bun'
import { createApp } from '../app.js'
import { ConfigError, parseConfig } from '../config.js'
import { systemClock } from '../lib/clock.js'
import { randomId } from '../lib/ids.js'
import { createLogger } from '../lib/logger.js'
import { createBackend } from './backend.js'

declare const Bun: {
  serve(options: {
    port: number
    hostname: string
    fetch: (req: Request, server: unknown) => Response | Promise<Response>
    websocket: typeof websocket & { maxPayloadLength?: number; perMessageDeflate?: boolean }
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
const backend = await createBackend(config, instanceId, logger).catch((err: unknown) => {
  console.error(`Refusing to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
const core = createApp({
  config,
  backend,
  clock: systemClock,
  logger,
  instanceId,
  upgradeWebSocket,
  getRemoteAddress: (c) => getConnInfo(c).remote.address ?? null,
  readMemory: () => process.memoryUsage(),
  gc: null,
})
const ws = { ...websocket, maxPayloadLength: config.ws.maxMessageBytes, perMessageDeflate: false }
const server = Bun.serve({ port: config.port, hostname: config.host, fetch: core.app.fetch, websocket: ws })
await core.start()
console.log(`READY http+ws on ${server.port}`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void core
      .shutdown()
      .then(() => backend.close())
      .finally(() => {
        server.stop(true)
        process.exit(0)
      })
  })
}
