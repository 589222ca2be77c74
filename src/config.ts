/**
 * @module Configuration: one zod schema turns an env-like record into a typed Config, validated once at boot.
 * Only runtime entries call parseConfig; the core receives the parsed Config.
 */
import * as z from 'zod'
import { LOG_LEVELS } from './lib/logger.js'

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
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(3000, 0, 65535),
  SIGNALING_PORT: int(3001, 0, 65535),
  AUTH_SECRET: optionalString,
  TOKEN_ISSUER_KEY: optionalString,
  ADMIN_TOKEN: optionalString,
  TOKEN_TTL: int(3600, 10, 7 * 24 * 3600),
  TOKEN_ISSUER: z.string().min(1).default('octatecode-p2p-backend'),
  TOKEN_AUDIENCE: z.string().min(1).default('octatecode-p2p-signaling'),
  SINGLE_USE_TOKENS: bool(false),
  TOKEN_RATE_LIMIT: int(30, 1),
  CORS_ORIGINS: optionalString,
  TRUST_PROXY: int(0, 0, 10),
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
  MAX_BUFFERED_BYTES: int(1_048_576, 1024),
  MEMORY_WARNING_THRESHOLD: int(200, 1),
  MEMORY_CRITICAL_THRESHOLD: int(300, 1),
  MEMORY_CHECK_INTERVAL: int(10_000, 100),
  AUDIT_LOG_SIZE: int(1000, 10, 1_000_000),
  PEER_LEASE_TTL: int(30_000, 1000),
  SHUTDOWN_TIMEOUT: int(8000, 100, 60_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  REDIS_URL: optionalString,
  REDIS_PREFIX: z.string().min(1).default('octp2p'),
  STUN_URLS: optionalString,
  TURN_SECRET: optionalString,
  TURN_URLS: optionalString,
  TURN_TTL: int(86_400, 60, 7 * 24 * 3600),
  /** Empty (as in .env.example) means the default: on outside production. */
  DEMO: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
})

export type Env = z.infer<typeof EnvSchema>

export interface Config {
  production: boolean
  host: string
  port: number
  /** null when the second WebSocket-only listener is disabled. */
  signalingPort: number | null
  auth: {
    secret: string
    /** True when the secret was generated for this process (development without AUTH_SECRET). */
    ephemeralSecret: boolean
    issuerKey: string | null
    ttlSeconds: number
    issuer: string
    audience: string
    singleUse: boolean
    mintPerMinute: number
  }
  adminToken: string | null
  /** Allowed browser origins; '*' allows any. Upgrades without Origin (native clients) are allowed. */
  corsOrigins: '*' | string[]
  trustProxyHops: number
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
    maxBufferedBytes: number
  }
  cleanupIntervalMs: number
  memory: { warningMb: number; criticalMb: number; checkIntervalMs: number }
  auditLogSize: number
  leaseTtlMs: number
  shutdownTimeoutMs: number
  logLevel: Env['LOG_LEVEL']
  redis: { url: string; prefix: string } | null
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

/** Secrets copied from docs and examples; refusing them stops a deploy that forgot to set its own. */
const PLACEHOLDERS = [
  'change-me-in-production',
  'your-strong-production-secret-here',
  'dev-secret-change-in-production',
  'changeme',
  'change-me',
  'secret',
  'replace-me',
]

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

function checkSecret(name: string, value: string | undefined, minBytes: number): string {
  if (!value) throw new ConfigError(`${name} is required in production`)
  const lower = value.toLowerCase()
  if (PLACEHOLDERS.some((p) => lower.includes(p))) throw new ConfigError(`${name} is a placeholder; generate a random value`)
  if (new TextEncoder().encode(value).length < minBytes) throw new ConfigError(`${name} must be at least ${minBytes} bytes`)
  if (new Set(value).size < 8) throw new ConfigError(`${name} has too little variety to be random`)
  return value
}

/** RFC 6750 token68: the only characters a Bearer credential can carry; a key with others could never be presented. */
const BEARER_CHARS = /^[A-Za-z0-9._~+/-]+=*$/

function checkBearerChars(name: string, value: string | undefined) {
  if (value && !BEARER_CHARS.test(value)) throw new ConfigError(`${name} may only contain A-Z a-z 0-9 - . _ ~ + / and trailing =`)
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function parseOrigins(raw: string | undefined, production: boolean): Config['corsOrigins'] {
  if (!raw) {
    if (production) throw new ConfigError('CORS_ORIGINS is required in production (a comma-separated list, or * to allow any)')
    return '*'
  }
  if (raw === '*') return '*'
  const list = raw.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean)
  for (const o of list) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new ConfigError(`CORS_ORIGINS entry is not an origin: ${JSON.stringify(o)}`)
  }
  return list
}

/** A comma-separated list of ICE URLs, each with one of the given schemes. */
function parseIceUrls(name: string, raw: string | undefined, schemes: string[]): string[] {
  const list = (raw ?? '').split(',').map((u) => u.trim()).filter(Boolean)
  for (const u of list) {
    if (!schemes.some((s) => u.startsWith(`${s}:`))) throw new ConfigError(`${name} entry must start with ${schemes.map((s) => `${s}:`).join(' or ')}: ${JSON.stringify(u)}`)
  }
  return list
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
  if (env.MEMORY_CRITICAL_THRESHOLD <= env.MEMORY_WARNING_THRESHOLD) {
    throw new ConfigError('MEMORY_CRITICAL_THRESHOLD must be greater than MEMORY_WARNING_THRESHOLD')
  }
  checkBearerChars('TOKEN_ISSUER_KEY', env.TOKEN_ISSUER_KEY)
  checkBearerChars('ADMIN_TOKEN', env.ADMIN_TOKEN)
  let secret = env.AUTH_SECRET
  if (production) {
    secret = checkSecret('AUTH_SECRET', secret, 32)
    if (env.TOKEN_ISSUER_KEY) checkSecret('TOKEN_ISSUER_KEY', env.TOKEN_ISSUER_KEY, 24)
    if (env.ADMIN_TOKEN) checkSecret('ADMIN_TOKEN', env.ADMIN_TOKEN, 24)
  } else if (secret && new TextEncoder().encode(secret).length < 32) {
    throw new ConfigError('AUTH_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)')
  }
  const signalingPort = env.SIGNALING_PORT === 0 || env.SIGNALING_PORT === env.PORT ? null : env.SIGNALING_PORT
  return {
    production,
    host: env.HOST,
    port: env.PORT,
    signalingPort,
    auth: {
      secret: secret ?? randomSecret(),
      ephemeralSecret: !secret,
      issuerKey: env.TOKEN_ISSUER_KEY ?? null,
      ttlSeconds: env.TOKEN_TTL,
      issuer: env.TOKEN_ISSUER,
      audience: env.TOKEN_AUDIENCE,
      singleUse: env.SINGLE_USE_TOKENS,
      mintPerMinute: env.TOKEN_RATE_LIMIT,
    },
    adminToken: env.ADMIN_TOKEN ?? null,
    corsOrigins: parseOrigins(env.CORS_ORIGINS, production),
    trustProxyHops: env.TRUST_PROXY,
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
    redis: env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX } : null,
    ice: parseIce(env, production),
    demo: env.DEMO === undefined || env.DEMO === '' ? !production : ['true', '1', 'yes'].includes(env.DEMO),
  }
}
