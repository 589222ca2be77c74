/** @module parseConfig: seed defaults, readable errors, production refusals, the second-listener switch. */
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../src/config.js'

const STRONG = 'q7Vx2mR9pL4kT8wZ3nB6yH1cF5jD0sGa'
const PROD = { NODE_ENV: 'production', AUTH_SECRET: STRONG, CORS_ORIGINS: 'https://app.example' }

/** The ConfigError parseConfig throws for `env` (fails the test when it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(Object.keys(env))}`)
}

describe('parseConfig defaults', () => {
  it('uses the seed README defaults when the env is empty', () => {
    const c = parseConfig({})
    expect(c.production).toBe(false)
    expect(c.port).toBe(3000)
    expect(c.signalingPort).toBe(3001)
    expect(c.rooms.inactivityMs).toBe(10_800_000)
    expect(c.ws.heartbeatTimeoutMs).toBe(300_000)
    expect(c.memory).toMatchObject({ warningMb: 200, criticalMb: 300 })
    expect(c.logLevel).toBe('info')
    expect(c.auth.ttlSeconds).toBe(3600)
    expect(c.corsOrigins).toBe('*')
  })

  it('generates an ephemeral secret of 32 bytes or more in development without AUTH_SECRET', () => {
    const a = parseConfig({})
    const b = parseConfig({})
    expect(a.auth.ephemeralSecret).toBe(true)
    expect(new TextEncoder().encode(a.auth.secret).length).toBeGreaterThanOrEqual(32)
    expect(a.auth.secret).not.toBe(b.auth.secret)
  })

  it('reads the seed variables when given', () => {
    const c = parseConfig({
      PORT: '8080',
      SIGNALING_PORT: '8081',
      ROOM_INACTIVITY_TIMEOUT: '60000',
      PEER_HEARTBEAT_TIMEOUT: '5000',
      MEMORY_WARNING_THRESHOLD: '100',
      MEMORY_CRITICAL_THRESHOLD: '150',
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: 'https://a.example, https://b.example/',
    })
    expect([c.port, c.signalingPort, c.rooms.inactivityMs, c.ws.heartbeatTimeoutMs]).toEqual([8080, 8081, 60_000, 5000])
    expect(c.memory).toMatchObject({ warningMb: 100, criticalMb: 150 })
    expect(c.logLevel).toBe('warn')
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example'])
  })
})

describe('parseConfig second listener', () => {
  it('disables the second listener when SIGNALING_PORT is 0', () => {
    expect(parseConfig({ SIGNALING_PORT: '0' }).signalingPort).toBeNull()
  })

  it('disables the second listener when SIGNALING_PORT equals PORT', () => {
    expect(parseConfig({ PORT: '4000', SIGNALING_PORT: '4000' }).signalingPort).toBeNull()
  })
})

describe('parseConfig invalid values', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['SIGNALING_PORT', '3.5'],
    ['ROOM_INACTIVITY_TIMEOUT', 'soon'],
    ['PEER_HEARTBEAT_TIMEOUT', '10'],
    ['LOG_LEVEL', 'loud'],
    ['MEMORY_WARNING_THRESHOLD', '0'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const err = configError({ [name]: value })
    expect(err.message).toMatch(/^Invalid configuration:/)
    expect(err.message).toContain(`${name}:`)
  })

  it('refuses a critical memory threshold that is not above the warning one', () => {
    expect(configError({ MEMORY_WARNING_THRESHOLD: '300', MEMORY_CRITICAL_THRESHOLD: '300' }).message).toMatch(/MEMORY_CRITICAL_THRESHOLD/)
  })

  it('refuses a CORS_ORIGINS entry that is not an origin', () => {
    expect(configError({ CORS_ORIGINS: 'https://ok.example,https://bad.example/path' }).message).toMatch(/CORS_ORIGINS/)
  })

  it('refuses a short AUTH_SECRET in development too', () => {
    expect(configError({ AUTH_SECRET: 'short' }).message).toMatch(/AUTH_SECRET must be at least 32 bytes/)
  })
})

describe('parseConfig production', () => {
  it('accepts a strong secret with CORS_ORIGINS', () => {
    const c = parseConfig(PROD)
    expect(c.production).toBe(true)
    expect(c.auth.secret).toBe(STRONG)
    expect(c.auth.ephemeralSecret).toBe(false)
  })

  it.each([
    ['missing', undefined, /AUTH_SECRET is required/],
    ['blank', '   ', /AUTH_SECRET is required/],
    ['short', 'short', /at least 32 bytes/],
    ['31 bytes', STRONG.slice(0, 31), /at least 32 bytes/],
    ['the seed placeholder', 'change-me-in-production', /placeholder/],
    ['a long placeholder', 'change-me-in-production-0123456789abcdef', /placeholder/],
    ['the seed Render placeholder', 'your-strong-production-secret-here', /placeholder/],
    ['weak (one repeated character)', 'a'.repeat(40), /too little variety/],
  ])('refuses an AUTH_SECRET that is %s, without echoing it', (_label, secret, message) => {
    const err = configError({ ...PROD, AUTH_SECRET: secret })
    expect(err.message).toMatch(message)
    if (secret && secret.trim()) expect(err.message).not.toContain(secret)
  })

  it('requires CORS_ORIGINS', () => {
    expect(configError({ ...PROD, CORS_ORIGINS: undefined }).message).toMatch(/CORS_ORIGINS is required in production/)
  })

  it.each(['ADMIN_TOKEN', 'TOKEN_ISSUER_KEY'])('refuses a %s that a Bearer header cannot carry, in any mode', (name) => {
    const value = 'aD4mN9bV2cX7zL1kJ6hG3fD8sA5q#W0eRt!'
    expect(configError({ [name]: value }).message).toMatch(new RegExp(`^${name} may only contain`))
    expect(configError({ ...PROD, [name]: value }).message).not.toContain(value)
    expect(parseConfig({ [name]: 'aD4mN9bV2cX7zL1kJ6hG3fD8sA5q/W0eR+t==' })).toBeTruthy()
  })

  it('refuses weak TOKEN_ISSUER_KEY and ADMIN_TOKEN values', () => {
    expect(configError({ ...PROD, TOKEN_ISSUER_KEY: 'short' }).message).toMatch(/TOKEN_ISSUER_KEY/)
    expect(configError({ ...PROD, ADMIN_TOKEN: 'changeme-changeme-changeme' }).message).toMatch(/ADMIN_TOKEN is a placeholder/)
  })
})

describe('RECONNECT_GRACE', () => {
  it('defaults to 15 s, accepts 0 (resuming off) and refuses negative or over 10 minutes, naming the variable', () => {
    expect(parseConfig({}).ws.reconnectGraceMs).toBe(15_000)
    expect(parseConfig({ RECONNECT_GRACE: '0' }).ws.reconnectGraceMs).toBe(0)
    expect(parseConfig({ RECONNECT_GRACE: '600000' }).ws.reconnectGraceMs).toBe(600_000)
    for (const bad of ['-1', '600001', 'soon', '1.5']) expect(configError({ RECONNECT_GRACE: bad }).message).toContain('RECONNECT_GRACE')
  })
})

/** Issue 9 finding 2: NODE_ENV must be a known value, and development stays on loopback unless told otherwise. */
describe('NODE_ENV and the development bind', () => {
  it.each(['Production', 'prod', 'PRODUCTION', 'staging', ' production'])('refuses NODE_ENV=%j, naming the variable', (value) => {
    expect(configError({ NODE_ENV: value }).message).toMatch(/NODE_ENV/)
  })

  it('accepts development, test and production', () => {
    expect(parseConfig({ NODE_ENV: 'development' }).production).toBe(false)
    expect(parseConfig({ NODE_ENV: 'test' }).production).toBe(false)
    expect(parseConfig(PROD).production).toBe(true)
  })

  it('binds to loopback by default in development and to every interface in production', () => {
    expect(parseConfig({}).host).toBe('127.0.0.1')
    expect(parseConfig({ NODE_ENV: 'test' }).host).toBe('127.0.0.1')
    expect(parseConfig(PROD).host).toBe('0.0.0.0')
  })

  it('refuses open minting or open admin routes on a non-loopback HOST in development, naming the switch', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const message = configError({ HOST: host }).message
      expect(message).toMatch(/HOST/)
      expect(message).toMatch(/ALLOW_OPEN_ENDPOINTS_ON_NETWORK/)
    }
    // Only minting open, or only admin open: still refused.
    expect(configError({ HOST: '0.0.0.0', TOKEN_ISSUER_KEY: 'issuer-key-0123456789abcdef' }).message).toMatch(/admin/)
    expect(configError({ HOST: '0.0.0.0', ADMIN_TOKEN: 'admin-token-0123456789abcdef' }).message).toMatch(/minting/)
  })

  it('allows a non-loopback HOST in development when both keys are set, or with the explicit switch', () => {
    const keys = { TOKEN_ISSUER_KEY: 'issuer-key-0123456789abcdef', ADMIN_TOKEN: 'admin-token-0123456789abcdef' }
    expect(parseConfig({ HOST: '0.0.0.0', ...keys }).host).toBe('0.0.0.0')
    const c = parseConfig({ HOST: '0.0.0.0', ALLOW_OPEN_ENDPOINTS_ON_NETWORK: 'true' })
    expect(c.host).toBe('0.0.0.0')
    expect(c.openOnNetwork).toBe(true)
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(parseConfig({ HOST: host }).host).toBe(host)
  })

  it('refuses the switch in production, where nothing is ever open', () => {
    expect(configError({ ...PROD, ALLOW_OPEN_ENDPOINTS_ON_NETWORK: 'true' }).message).toMatch(/ALLOW_OPEN_ENDPOINTS_ON_NETWORK/)
  })
})

/** Issue 9 finding 7: values that start but break the server are refused at start, naming the variable. */
describe('ranges and combinations', () => {
  it('refuses TOKEN_TTL over 24 h (tokens that long are refused on verify)', () => {
    expect(parseConfig({ TOKEN_TTL: '86400' }).auth.ttlSeconds).toBe(86_400)
    expect(configError({ TOKEN_TTL: '172800' }).message).toContain('TOKEN_TTL')
  })

  it('refuses CORS_ORIGINS=* in production', () => {
    expect(configError({ ...PROD, CORS_ORIGINS: '*' }).message).toMatch(/CORS_ORIGINS/)
  })

  it('refuses MAX_BUFFERED_BYTES below MAX_MESSAGE_BYTES (one frame would drop its receiver)', () => {
    expect(configError({ MAX_MESSAGE_BYTES: '65536', MAX_BUFFERED_BYTES: '4096' }).message).toMatch(/MAX_BUFFERED_BYTES/)
  })

  it('refuses an AUTH_SECRET_PREVIOUS equal to AUTH_SECRET, or weak in production', () => {
    expect(configError({ AUTH_SECRET: STRONG, AUTH_SECRET_PREVIOUS: STRONG }).message).toMatch(/AUTH_SECRET_PREVIOUS/)
    expect(configError({ ...PROD, AUTH_SECRET_PREVIOUS: 'short' }).message).toMatch(/AUTH_SECRET_PREVIOUS/)
  })

  it('refuses TRUSTED_PROXIES entries that are not addresses or ranges', () => {
    expect(configError({ TRUST_PROXY: '1', TRUSTED_PROXIES: '10.0.0.0/8,<img src=x>' }).message).toMatch(/TRUSTED_PROXIES/)
    expect(parseConfig({ TRUST_PROXY: '1', TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8, 192.0.2.7' }).trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.7'])
  })

  it('makes room tokens single-use by default', () => {
    expect(parseConfig({}).auth.singleUse).toBe(true)
    expect(parseConfig({ SINGLE_USE_TOKENS: 'false' }).auth.singleUse).toBe(false)
  })
})

describe('Redis settings', () => {
  it('takes REDIS_URL for one server and REDIS_CLUSTER_NODES for a Cluster, with the prefix', () => {
    expect(parseConfig({ REDIS_URL: 'redis://r:6379' }).redis).toEqual({ url: 'redis://r:6379', prefix: 'octp2p' })
    expect(parseConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001,[::1]:7002 ', REDIS_PREFIX: 'p' }).redis).toEqual({
      clusterNodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      prefix: 'p',
    })
    expect(parseConfig({}).redis).toBeNull()
  })

  it('refuses both at once, and cluster seeds that are not host:port, naming the variable', () => {
    expect(configError({ REDIS_URL: 'redis://r', REDIS_CLUSTER_NODES: 'r:7000' }).message).toMatch(/REDIS_URL or REDIS_CLUSTER_NODES/)
    for (const bad of ['r', 'r:0', 'r:70000', 'redis://r:7000', ' , ', 'a:1,b']) {
      expect(configError({ REDIS_CLUSTER_NODES: bad }).message).toMatch(/REDIS_CLUSTER_NODES/)
    }
  })
})
