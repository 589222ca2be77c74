/**
 * @module Configuration: one zod schema turns an env-like record into a typed Config, validated once at boot.
 * Only runtime entries call parseConfig; the core receives the parsed Config.
 */
import * as z from 'zod'
import { MAX_TOKEN_LIFETIME_S } from './auth/limits.js'
import {
  checkBearerChars,
  checkCombinations,
  checkDevelopmentBind,
  checkKeyLength,
  checkSecret,
  ConfigError,
  parseClusterNodes,
  parseOrigins,
  parseProxies,
} from './config-checks.js'
import type { Config, IceConfig } from './config-types.js'
import { LOG_LEVELS } from './lib/logger.js'

export { ConfigError }
export type { Config, IceConfig }

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def)

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes')

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

/** Every env var the server reads, with its default. Keep README's table and .env.example in step. */
const EnvSchema = z.object({
  // Exact values only: `Production` used to mean "open development mode" (issue 9 finding 2).
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Default depends on NODE_ENV: loopback in development and test, every interface in production. */
  HOST: optionalString,
  ALLOW_OPEN_ENDPOINTS_ON_NETWORK: bool(false),
  PORT: int(3000, 0, 65535),
  SIGNALING_PORT: int(3001, 0, 65535),
  AUTH_SECRET: optionalString,
  AUTH_SECRET_PREVIOUS: optionalString,
  TOKEN_ISSUER_KEY: optionalString,
  ADMIN_TOKEN: optionalString,
  // Tokens living longer than MAX_TOKEN_LIFETIME_S are refused on verify: a longer TTL would mint unusable tokens.
  TOKEN_TTL: int(3600, 10, MAX_TOKEN_LIFETIME_S),
  TOKEN_ISSUER: z.string().min(1).default('octatecode-p2p-backend'),
  TOKEN_AUDIENCE: z.string().min(1).default('octatecode-p2p-signaling'),
  SINGLE_USE_TOKENS: bool(true),
  TOKEN_RATE_LIMIT: int(30, 1),
  JOIN_RATE_LIMIT: int(60, 1),
  AUTH_FAILURE_LIMIT: int(20, 1),
  AUTH_FAILURE_BLOCK: int(60_000, 1000, 3_600_000),
  CORS_ORIGINS: optionalString,
  TRUST_PROXY: int(0, 0, 10),
  TRUSTED_PROXIES: optionalString,
  HEADERS_TIMEOUT: int(10_000, 1000, 120_000),
  REQUEST_TIMEOUT: int(15_000, 1000, 300_000),
  ROOM_INACTIVITY_TIMEOUT: int(10_800_000, 1000),
  ROOM_EMPTY_GRACE: int(30_000, 0),
  PEER_HEARTBEAT_TIMEOUT: int(300_000, 1000),
  AUTH_TIMEOUT: int(10_000, 100),
  RECONNECT_GRACE: int(15_000, 0, 600_000),
  WS_PING_INTERVAL: int(30_000, 100),
  CLEANUP_INTERVAL: int(60_000, 100),
  MAX_MESSAGE_BYTES: int(65_536, 1024, 16 * 1024 * 1024),
  MESSAGE_RATE: int(50, 1),
  MESSAGE_BURST: int(200, 1),
  MAX_PEERS_PER_ROOM: int(16, 1, 10_000),
  MAX_ROOMS: int(10_000, 1),
  MAX_CONNECTIONS: int(20_000, 1),
  MAX_CONNECTIONS_PER_IP: int(100, 1),
  MAX_PENDING_CONNECTIONS: int(1000, 1),
  MAX_PENDING_CONNECTIONS_PER_IP: int(50, 1),
  MAX_BUFFERED_BYTES: int(1_048_576, 1024),
  MEMORY_WARNING_THRESHOLD: int(200, 1),
  MEMORY_CRITICAL_THRESHOLD: int(300, 1),
  MEMORY_CHECK_INTERVAL: int(10_000, 100),
  AUDIT_LOG_SIZE: int(1000, 10, 1_000_000),
  PEER_LEASE_TTL: int(30_000, 1000),
  SHUTDOWN_TIMEOUT: int(8000, 100, 60_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  REDIS_URL: optionalString,
  REDIS_CLUSTER_NODES: optionalString,
  REDIS_PREFIX: z.string().min(1).default('octp2p'),
  STUN_URLS: optionalString,
  TURN_SECRET: optionalString,
  TURN_URLS: optionalString,
  TURN_TTL: int(86_400, 60, 7 * 24 * 3600),
  /** Empty (as in .env.example) means the default: on outside production. */
  DEMO: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
})

export type Env = z.infer<typeof EnvSchema>

/** Every variable the server reads (README's table and .env.example list each one; test/unit/config-docs.test.ts). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape)

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A comma-separated list of ICE URLs, each with one of the given schemes. */
function parseIceUrls(name: string, raw: string | undefined, schemes: string[]): string[] {
  const list = (raw ?? '').split(',').map((u) => u.trim()).filter(Boolean)
  for (const u of list) {
    if (!schemes.some((s) => u.startsWith(`${s}:`))) throw new ConfigError(`${name} entry must start with ${schemes.map((s) => `${s}:`).join(' or ')}: ${JSON.stringify(u)}`)
  }
  return list
}

/** One Redis server or a Cluster, never both: which one a deployment meant would be a guess. */
function parseRedis(env: Env): Config['redis'] {
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) throw new ConfigError('set REDIS_URL or REDIS_CLUSTER_NODES, not both')
  if (env.REDIS_CLUSTER_NODES) return { clusterNodes: parseClusterNodes(env.REDIS_CLUSTER_NODES), prefix: env.REDIS_PREFIX }
  return env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX } : null
}

function parseIce(env: Env, production: boolean): IceConfig {
  const stunUrls = parseIceUrls('STUN_URLS', env.STUN_URLS, ['stun', 'stuns'])
  const urls = parseIceUrls('TURN_URLS', env.TURN_URLS, ['turn', 'turns'])
  if (!env.TURN_SECRET) {
    if (urls.length > 0) throw new ConfigError('TURN_URLS is set but TURN_SECRET is not (the shared static-auth-secret of your TURN server)')
    return { stunUrls, turn: null }
  }
  if (urls.length === 0) throw new ConfigError('TURN_SECRET is set but TURN_URLS is not (e.g. turn:turn.example.com:3478)')
  const secret = production ? checkSecret('TURN_SECRET', env.TURN_SECRET, 16) : env.TURN_SECRET
  return { stunUrls, turn: { secret, urls, ttlSeconds: env.TURN_TTL } }
}

/** Parses and checks an env-like record. Throws ConfigError with a readable message. */
export function parseConfig(record: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(record)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const env = parsed.data
  const production = env.NODE_ENV === 'production'
  checkCombinations(env)
  if (env.REQUEST_TIMEOUT < env.HEADERS_TIMEOUT) throw new ConfigError('REQUEST_TIMEOUT must be at least HEADERS_TIMEOUT')
  checkBearerChars('TOKEN_ISSUER_KEY', env.TOKEN_ISSUER_KEY)
  checkBearerChars('ADMIN_TOKEN', env.ADMIN_TOKEN)
  let secret = env.AUTH_SECRET
  if (production) {
    secret = checkSecret('AUTH_SECRET', secret, 32)
    if (env.AUTH_SECRET_PREVIOUS) checkSecret('AUTH_SECRET_PREVIOUS', env.AUTH_SECRET_PREVIOUS, 32)
    if (env.TOKEN_ISSUER_KEY) checkSecret('TOKEN_ISSUER_KEY', env.TOKEN_ISSUER_KEY, 24)
    if (env.ADMIN_TOKEN) checkSecret('ADMIN_TOKEN', env.ADMIN_TOKEN, 24)
  }
  checkKeyLength('AUTH_SECRET', secret)
  checkKeyLength('AUTH_SECRET_PREVIOUS', env.AUTH_SECRET_PREVIOUS)
  if (env.AUTH_SECRET_PREVIOUS && env.AUTH_SECRET_PREVIOUS === secret) throw new ConfigError('AUTH_SECRET_PREVIOUS must differ from AUTH_SECRET')
  if (env.AUTH_SECRET_PREVIOUS && !secret) throw new ConfigError('AUTH_SECRET_PREVIOUS needs AUTH_SECRET (the new secret)')
  const host = env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1')
  checkDevelopmentBind({ host, production, openOnNetwork: env.ALLOW_OPEN_ENDPOINTS_ON_NETWORK, issuerKey: env.TOKEN_ISSUER_KEY, adminToken: env.ADMIN_TOKEN })
  const signalingPort = env.SIGNALING_PORT === 0 || env.SIGNALING_PORT === env.PORT ? null : env.SIGNALING_PORT
  return {
    environment: env.NODE_ENV,
    production,
    host,
    openOnNetwork: env.ALLOW_OPEN_ENDPOINTS_ON_NETWORK,
    port: env.PORT,
    signalingPort,
    auth: {
      secret: secret ?? randomSecret(),
      ephemeralSecret: !secret,
      previousSecret: env.AUTH_SECRET_PREVIOUS ?? null,
      issuerKey: env.TOKEN_ISSUER_KEY ?? null,
      ttlSeconds: env.TOKEN_TTL,
      issuer: env.TOKEN_ISSUER,
      audience: env.TOKEN_AUDIENCE,
      singleUse: env.SINGLE_USE_TOKENS,
      mintPerMinute: env.TOKEN_RATE_LIMIT,
      joinChecksPerMinute: env.JOIN_RATE_LIMIT,
      failureLimit: env.AUTH_FAILURE_LIMIT,
      failureBlockMs: env.AUTH_FAILURE_BLOCK,
    },
    adminToken: env.ADMIN_TOKEN ?? null,
    corsOrigins: parseOrigins(env.CORS_ORIGINS, production),
    trustProxyHops: env.TRUST_PROXY,
    trustedProxies: parseProxies(env.TRUSTED_PROXIES),
    http: { headersTimeoutMs: env.HEADERS_TIMEOUT, requestTimeoutMs: env.REQUEST_TIMEOUT },
    rooms: {
      inactivityMs: env.ROOM_INACTIVITY_TIMEOUT,
      emptyGraceMs: env.ROOM_EMPTY_GRACE,
      maxPeers: env.MAX_PEERS_PER_ROOM,
      maxRooms: env.MAX_ROOMS,
    },
    ws: {
      authTimeoutMs: env.AUTH_TIMEOUT,
      reconnectGraceMs: env.RECONNECT_GRACE,
      pingIntervalMs: env.WS_PING_INTERVAL,
      heartbeatTimeoutMs: env.PEER_HEARTBEAT_TIMEOUT,
      maxMessageBytes: env.MAX_MESSAGE_BYTES,
      messageRate: env.MESSAGE_RATE,
      messageBurst: env.MESSAGE_BURST,
      maxConnections: env.MAX_CONNECTIONS,
      maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
      maxPending: env.MAX_PENDING_CONNECTIONS,
      maxPendingPerIp: env.MAX_PENDING_CONNECTIONS_PER_IP,
      maxBufferedBytes: env.MAX_BUFFERED_BYTES,
    },
    cleanupIntervalMs: env.CLEANUP_INTERVAL,
    memory: {
      warningMb: env.MEMORY_WARNING_THRESHOLD,
      criticalMb: env.MEMORY_CRITICAL_THRESHOLD,
      checkIntervalMs: env.MEMORY_CHECK_INTERVAL,
    },
    auditLogSize: env.AUDIT_LOG_SIZE,
    leaseTtlMs: env.PEER_LEASE_TTL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
    logLevel: env.LOG_LEVEL,
    redis: parseRedis(env),
    ice: parseIce(env, production),
    demo: env.DEMO === undefined || env.DEMO === '' ? !production : ['true', '1', 'yes'].includes(env.DEMO),
  }
}
