/**
 * @module Starts the app on Node: HTTP + WebSocket on PORT, WebSocket-only on SIGNALING_PORT, and a
 * clean drain on close. Used by the Node entry and, in process, by the end-to-end tests.
 */
import { createAdaptorServer } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '../../app.js'
import type { Config } from '../../config.js'
import { systemScheduler, type Scheduler } from '../../lib/scheduler.js'
import { randomId } from '../../lib/ids.js'
import { createLogger, type Logger } from '../../lib/logger.js'
import type { Backend } from '../../storage/types.js'
import { adapterDeps } from '../adapter.js'
import { createBackend } from '../backend.js'
import { createDemoScriptLoader } from '../demo-script.js'
import { nodeHs256, nodeSha256Hex } from './crypto.js'
import { createConnectionGuard, guardedServerOptions, type HttpGuardOptions } from './http-guard.js'
import { handleUpgrades, upgradeWebSocket } from './upgrade.js'
import { createWsServer, OpenSockets, startPinging } from './ws.js'
import { createPrometheus } from './prometheus.js'
import { socketPort } from './socket-port.js'

export interface NodeServerOptions {
  logger?: Logger
  scheduler?: Scheduler
  instanceId?: string
  /** A prepared backend (tests share one between instances); otherwise chosen from config. */
  backend?: Backend
}

export type RunningServer = Awaited<ReturnType<typeof startNodeServer>>

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export async function startNodeServer(config: Config, opts: NodeServerOptions = {}) {
  const logger = opts.logger ?? createLogger(config.logLevel)
  const instanceId = opts.instanceId ?? randomId()
  const scheduler = opts.scheduler ?? systemScheduler
  const backend = opts.backend ?? (await createBackend(config, instanceId, logger, scheduler))
  const gc = (globalThis as { gc?: () => void }).gc ?? null
  const prometheus = createPrometheus(() => core)
  const core = createApp({
    config,
    backend,
    scheduler,
    logger,
    instanceId,
    ...adapterDeps({ upgradeWebSocket, socketPort, getConnInfo }),
    readMemory: () => process.memoryUsage(),
    gc,
    renderMetrics: async () => ({ contentType: prometheus.contentType, body: await prometheus.render() }),
    hs256: nodeHs256,
    bearerHash: nodeSha256Hex,
    demoScript: createDemoScriptLoader(),
  })
  const wss = createWsServer({ maxPayload: config.ws.maxMessageBytes })
  const sockets = new OpenSockets()
  const stopPinging = startPinging(sockets, config.ws.pingIntervalMs)
  const servers: Server[] = []
  const guard: HttpGuardOptions = {
    ...config.http,
    maxPending: config.ws.maxPending,
    maxPendingPerIp: config.ws.maxPendingPerIp,
    perAddress: config.trustProxyHops === 0,
  }
  const connections = createConnectionGuard(wss, guard)
  const make = (fetch: typeof core.app.fetch) => {
    const server = createAdaptorServer({ fetch, serverOptions: guardedServerOptions(guard) }) as Server
    connections.attach(server)
    handleUpgrades(server, wss, sockets, fetch, (err) => logger.error('websocket handler failed', { err }))
    servers.push(server)
    return server
  }
  const port = await listen(make(core.app.fetch), config.port, config.host)
  const signalingPort = config.signalingPort === null ? null : await listen(make(core.signalingApp.fetch), config.signalingPort, config.host)
  await core.start()
  logger.info('server started', { port, signalingPort, storage: backend.name, instanceId, production: config.production })

  let closing: Promise<void> | null = null
  async function close() {
    await core.shutdown()
    stopPinging()
    for (const s of servers) s.close()
    // Give clients a moment to answer the 1001 close frames, then cut whatever is left.
    const deadline = Date.now() + 1000
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const ws of sockets) ws.terminate()
    for (const s of servers) s.closeAllConnections()
    if (!opts.backend) await backend.close()
  }

  return {
    port,
    signalingPort,
    instanceId,
    core,
    backend,
    wss,
    /** The open WebSockets. */
    sockets,
    /** Drains and stops; idempotent. */
    close: () => (closing ??= close()),
  }
}
