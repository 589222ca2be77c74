/**
 * @module The checks parseConfig runs on values a schema cannot judge alone: secrets, origins, the development bind,
 * proxy ranges and combinations of limits. Each throws ConfigError with a message naming the variable, never its value.
 */
import ipaddr from 'ipaddr.js'

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
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

export function checkSecret(name: string, value: string | undefined, minBytes: number): string {
  if (!value) throw new ConfigError(`${name} is required in production`)
  const lower = value.toLowerCase()
  if (PLACEHOLDERS.some((p) => lower.includes(p))) throw new ConfigError(`${name} is a placeholder; generate a random value`)
  if (new TextEncoder().encode(value).length < minBytes) throw new ConfigError(`${name} must be at least ${minBytes} bytes`)
  if (new Set(value).size < 8) throw new ConfigError(`${name} has too little variety to be random`)
  return value
}

/** HS256 needs a 256-bit key (RFC 7518 §3.2), in every mode. */
export function checkKeyLength(name: string, value: string | undefined) {
  if (value && new TextEncoder().encode(value).length < 32) throw new ConfigError(`${name} must be at least 32 bytes (HS256 needs a 256-bit key)`)
}

/** RFC 6750 token68: the only characters a Bearer credential can carry; a key with others could never be presented. */
const BEARER_CHARS = /^[A-Za-z0-9._~+/-]+=*$/

export function checkBearerChars(name: string, value: string | undefined) {
  if (value && !BEARER_CHARS.test(value)) throw new ConfigError(`${name} may only contain A-Z a-z 0-9 - . _ ~ + / and trailing =`)
}

export function parseOrigins(raw: string | undefined, production: boolean): '*' | string[] {
  if (!raw) {
    if (production) throw new ConfigError('CORS_ORIGINS is required in production (a comma-separated list of origins)')
    return '*'
  }
  if (raw === '*') {
    // Any site could then open sockets and mint with its visitors' cookies-free requests: an allow-list is required.
    if (production) throw new ConfigError('CORS_ORIGINS=* is refused in production: list the origins of your app')
    return '*'
  }
  const list = raw.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean)
  for (const o of list) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new ConfigError(`CORS_ORIGINS entry is not an origin: ${JSON.stringify(o)}`)
  }
  return list
}

/** Whether HOST only listens on this machine: 127.0.0.0/8, ::1 or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback'
}

/**
 * Development leaves minting (no TOKEN_ISSUER_KEY) and the admin routes (no ADMIN_TOKEN) open. That is fine on
 * loopback; facing a network it needs the operator's explicit ALLOW_OPEN_ENDPOINTS_ON_NETWORK=true.
 */
export function checkDevelopmentBind(o: { host: string; production: boolean; openOnNetwork: boolean; issuerKey?: string; adminToken?: string }) {
  if (o.production) {
    if (o.openOnNetwork) throw new ConfigError('ALLOW_OPEN_ENDPOINTS_ON_NETWORK is for development only: production never leaves minting or admin routes open')
    return
  }
  const open = [o.issuerKey ? null : 'token minting (set TOKEN_ISSUER_KEY)', o.adminToken ? null : 'admin routes (set ADMIN_TOKEN)'].filter(Boolean)
  if (open.length === 0 || o.openOnNetwork || isLoopbackHost(o.host)) return
  throw new ConfigError(
    `HOST=${o.host} is not loopback, and in development ${open.join(' and ')} would be open to that network. ` +
      'Bind HOST=127.0.0.1, set the keys, or set ALLOW_OPEN_ENDPOINTS_ON_NETWORK=true to expose them on purpose',
  )
}

/** TRUSTED_PROXIES: addresses or CIDR ranges whose X-Forwarded-For is believed; null = any peer (TRUST_PROXY alone). */
export function parseProxies(raw: string | undefined): string[] | null {
  if (!raw) return null
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean)
  for (const entry of list) {
    const ok = entry.includes('/') ? isCidr(entry) : ipaddr.isValid(entry)
    if (!ok) throw new ConfigError(`TRUSTED_PROXIES entry is not an IP address or CIDR range: ${JSON.stringify(entry.slice(0, 64))}`)
  }
  return list
}

function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry)
    return true
  } catch {
    return false
  }
}

/** Pairs of limits where one value makes the other useless or the server unusable. */
export function checkCombinations(env: {
  MEMORY_WARNING_THRESHOLD: number
  MEMORY_CRITICAL_THRESHOLD: number
  MAX_MESSAGE_BYTES: number
  MAX_BUFFERED_BYTES: number
}) {
  const rules: [boolean, string][] = [
    [env.MEMORY_CRITICAL_THRESHOLD <= env.MEMORY_WARNING_THRESHOLD, 'MEMORY_CRITICAL_THRESHOLD must be greater than MEMORY_WARNING_THRESHOLD'],
    [env.MAX_BUFFERED_BYTES < env.MAX_MESSAGE_BYTES, 'MAX_BUFFERED_BYTES must be at least MAX_MESSAGE_BYTES (one queued frame would drop its receiver)'],
  ]
  for (const [broken, message] of rules) if (broken) throw new ConfigError(message)
}

/** REDIS_CLUSTER_NODES: comma-separated host:port seeds ([v6]:port for IPv6). */
export function parseClusterNodes(raw: string): { host: string; port: number }[] {
  const list = raw.split(',').map((n) => n.trim()).filter(Boolean)
  if (list.length === 0) throw new ConfigError('REDIS_CLUSTER_NODES must list at least one host:port')
  return list.map((entry) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@\[\]]+)):(\d{1,5})$/.exec(entry)
    const port = Number(m?.[3])
    if (!m || port < 1 || port > 65535) throw new ConfigError(`REDIS_CLUSTER_NODES entry is not host:port: ${JSON.stringify(entry)}`)
    return { host: m[1] ?? m[2] ?? '', port }
  })
}
