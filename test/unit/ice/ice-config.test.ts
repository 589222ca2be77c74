/** @module ICE configuration (STUN_URLS, TURN_SECRET, TURN_URLS, TURN_TTL, DEMO) and the TURN REST credentials built from it. */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../../src/config.js'
import { iceServersFor } from '../../../src/ice/servers.js'

const STRONG = 'q7Vx2mR9pL4kT8wZ3nB6yH1cF5jD0sGa'
const PROD = { NODE_ENV: 'production', AUTH_SECRET: STRONG, CORS_ORIGINS: 'https://app.example' }
const TURN = { TURN_SECRET: 'k3Jx9Qw2Lp7Zr5Vt', TURN_URLS: 'turn:turn.example:3478, turns:turn.example:5349?transport=tcp' }

describe('ICE configuration', () => {
  it('has no ICE servers by default (no traffic to anyone unasked) and parses URL lists', () => {
    expect(parseConfig({}).ice).toEqual({ stunUrls: [], turn: null })
    const c = parseConfig({ STUN_URLS: 'stun:stun.example:3478,stuns:stun.example:5349', ...TURN, TURN_TTL: '600' })
    expect(c.ice).toEqual({
      stunUrls: ['stun:stun.example:3478', 'stuns:stun.example:5349'],
      turn: { secret: TURN.TURN_SECRET, urls: ['turn:turn.example:3478', 'turns:turn.example:5349?transport=tcp'], ttlSeconds: 600 },
    })
    expect(parseConfig(TURN).ice.turn?.ttlSeconds).toBe(86_400)
  })

  it.each([
    [{ STUN_URLS: 'turn:x' }, /STUN_URLS entry must start with stun: or stuns:/],
    [{ TURN_SECRET: 'k3Jx9Qw2Lp7Zr5Vt', TURN_URLS: 'stun:x' }, /TURN_URLS entry must start with turn: or turns:/],
    [{ TURN_SECRET: 'k3Jx9Qw2Lp7Zr5Vt' }, /TURN_SECRET is set but TURN_URLS is not/],
    [{ TURN_URLS: 'turn:x' }, /TURN_URLS is set but TURN_SECRET is not/],
    [{ ...TURN, TURN_TTL: '5' }, /TURN_TTL/],
  ])('refuses %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError)
    expect(() => parseConfig(env)).toThrow(message)
  })

  it('refuses a weak TURN_SECRET in production only', () => {
    expect(() => parseConfig({ ...PROD, TURN_SECRET: 'changeme', TURN_URLS: 'turn:x' })).toThrow(/TURN_SECRET is a placeholder/)
    expect(() => parseConfig({ ...PROD, TURN_SECRET: 'short', TURN_URLS: 'turn:x' })).toThrow(/TURN_SECRET must be at least 16 bytes/)
    expect(parseConfig({ ...PROD, ...TURN }).ice.turn?.secret).toBe(TURN.TURN_SECRET)
    expect(parseConfig({ TURN_SECRET: 'short', TURN_URLS: 'turn:x' }).ice.turn?.secret).toBe('short')
  })

  it('serves the demo in development and in production only with DEMO=true', () => {
    expect(parseConfig({}).demo).toBe(true)
    expect(parseConfig({ DEMO: '' }).demo).toBe(true)
    expect(() => parseConfig({ DEMO: 'maybe' })).toThrow(/DEMO/)
    expect(parseConfig({ DEMO: 'false' }).demo).toBe(false)
    expect(parseConfig(PROD).demo).toBe(false)
    expect(parseConfig({ ...PROD, DEMO: 'true' }).demo).toBe(true)
  })
})

describe('iceServersFor', () => {
  const now = Date.UTC(2026, 0, 1)

  it('gives STUN alone when TURN is off', async () => {
    expect(await iceServersFor({ stunUrls: ['stun:s:3478'], turn: null }, 'alice', now)).toEqual({ iceServers: [{ urls: ['stun:s:3478'] }], expiresAt: null })
    expect(await iceServersFor({ stunUrls: [], turn: null }, 'alice', now)).toEqual({ iceServers: [], expiresAt: null })
  })

  it('gives TURN REST credentials: "<expiry>:<userId>" and base64 HMAC-SHA1 of it under the secret', async () => {
    const ice = { stunUrls: [], turn: { secret: 's3cret-for-turn!', urls: ['turn:t:3478'], ttlSeconds: 3600 } }
    const grant = await iceServersFor(ice, 'bob', now + 999)
    const username = `${now / 1000 + 3600}:bob`
    expect(grant).toEqual({
      iceServers: [{ urls: ['turn:t:3478'], username, credential: createHmac('sha1', 's3cret-for-turn!').update(username).digest('base64') }],
      expiresAt: now + 3_600_000,
    })
  })
})
