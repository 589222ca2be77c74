/** @module The parsed configuration's shape (src/config.ts builds it from the environment, validated once at boot). */
import type { LogLevel } from './lib/logger.js'

export interface Config {
  environment: 'development' | 'test' | 'production'
  production: boolean
  host: string
  /** Development only: the operator let open minting/admin routes face a non-loopback HOST (logged loudly at start). */
  openOnNetwork: boolean
  port: number
  /** null when the second WebSocket-only listener is disabled. */
  signalingPort: number | null
  auth: {
    secret: string
    /** True when the secret was generated for this process (development without AUTH_SECRET). */
    ephemeralSecret: boolean
    /** The secret being rotated out: tokens it signed still verify (AUTH_SECRET_PREVIOUS). */
    previousSecret: string | null
    issuerKey: string | null
    ttlSeconds: number
    issuer: string
    audience: string
    singleUse: boolean
    mintPerMinute: number
    /** POST /api/rooms/:roomId/join checks per client address per minute (per token: JOIN_CHECKS_PER_TOKEN). */
    joinChecksPerMinute: number
    /** Failed WebSocket authentications per client address per minute before its upgrades are refused. */
    failureLimit: number
    /** How long such an address is refused, ms. */
    failureBlockMs: number
  }
  adminToken: string | null
  /** Allowed browser origins; '*' allows any. Upgrades without Origin (native clients) are allowed. */
  corsOrigins: '*' | string[]
  trustProxyHops: number
  /** Peers whose X-Forwarded-For is believed (addresses or CIDR ranges); null = any peer. */
  trustedProxies: string[] | null
  /** Node's HTTP timeouts, enforced within a second (runtime/node/http-guard.ts). */
  http: { headersTimeoutMs: number; requestTimeoutMs: number }
  rooms: { inactivityMs: number; emptyGraceMs: number; maxPeers: number; maxRooms: number }
  ws: {
    authTimeoutMs: number
    /** How long a peer whose socket dropped stays in its room, away, for a resume; 0 disables resuming. */
    reconnectGraceMs: number
    pingIntervalMs: number
    heartbeatTimeoutMs: number
    maxMessageBytes: number
    messageRate: number
    messageBurst: number
    maxConnections: number
    maxConnectionsPerIp: number
    /** Connections that have not finished the upgrade or their auth frame: in total, and per client address. */
    maxPending: number
    maxPendingPerIp: number
    maxBufferedBytes: number
  }
  cleanupIntervalMs: number
  memory: { warningMb: number; criticalMb: number; checkIntervalMs: number }
  auditLogSize: number
  leaseTtlMs: number
  shutdownTimeoutMs: number
  logLevel: LogLevel
  /** REDIS_URL (one server) or REDIS_CLUSTER_NODES (a Redis Cluster's seed nodes); null: memory storage. */
  redis: ({ url: string; clusterNodes?: undefined } | { clusterNodes: RedisNodeAddress[]; url?: undefined }) & { prefix: string } | null
  /** ICE servers handed to clients (auth reply, GET /api/ice-servers). */
  ice: IceConfig
  /** Serve the demo page at /demo. */
  demo: boolean
}

export interface IceConfig {
  stunUrls: string[]
  /** coturn `use-auth-secret` REST credentials; null without TURN_SECRET. */
  turn: { secret: string; urls: string[]; ttlSeconds: number } | null
}

export interface RedisNodeAddress {
  host: string
  port: number
}
