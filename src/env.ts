/** @module The dependencies createApp takes, and the Hono Env the routes share. */
import type { Context } from 'hono'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import type { Store } from 'hono-rate-limiter'
import type { BearerHash } from './auth/guards.js'
import type { Hs256MacFactory } from './auth/hs256.js'
import type { Config } from './config.js'
import type { Scheduler } from './lib/scheduler.js'
import type { Logger } from './lib/logger.js'
import type { SocketPort } from './signaling/connection.js'
import type { Backend } from './storage/types.js'

export interface MemoryReading {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
}

export interface AppDeps {
  config: Config
  backend: Backend
  /** Time and every timer of the core (cleanup, leases, memory checks, auth deadlines, reconnect grace). */
  scheduler: Scheduler
  logger: Logger
  instanceId: string
  /** The runtime's WebSocket upgrade helper (`upgradeWebSocket` of src/runtime/<runtime>/). */
  upgradeWebSocket: UpgradeWebSocket
  /** The core's view of one of the runtime's sockets (`socketPort` of src/runtime/<runtime>/). */
  socketPort: (ws: WSContext) => SocketPort
  /** The TCP peer's address as the runtime sees it (getConnInfo), or null. */
  getRemoteAddress: (c: Context) => string | null
  /** Process memory in bytes; null where the runtime cannot tell (Workers). */
  readMemory: () => MemoryReading | null
  /** A forced garbage collection, when the runtime exposes one. */
  gc: (() => void) | null
  /** Prometheus text for GET /metrics (admin); absent on runtimes without an exporter. */
  renderMetrics?: () => Promise<{ contentType: string; body: string }>
  /** Rate-limit counters; defaults to the backend's store, else an in-process one. */
  rateLimitStore?: (name: string) => Store
  /** A synchronous HMAC-SHA256 for room tokens (node:crypto); absent, tokens go through jose on WebCrypto. */
  hs256?: Hs256MacFactory
  /** A synchronous digest for the admin and issuer key checks (node:crypto); absent, WebCrypto SHA-256. */
  bearerHash?: BearerHash
  /** The demo page's script (client library included); absent, there is no /demo (see DEMO). */
  demoScript?: () => Promise<string>
}
