/** @module Room tokens: claims and header of a minted token, and every way verify must refuse one (forged with jose). */
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createTokenService, describeTtl } from '../../../src/auth/tokens.js'
import { createManualClock } from '../../../src/lib/clock.js'

const SECRET = 'unit-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
const ISSUER = 'octatecode-p2p-backend'
const AUDIENCE = 'octatecode-p2p-signaling'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const key = new TextEncoder().encode(SECRET)

function setup() {
  const clock = createManualClock(T0)
  const tokens = createTokenService({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 3600, clock })
  return { clock, tokens }
}

interface Forge {
  claims?: Record<string, unknown>
  /** Claim names to leave out of the defaults. */
  omit?: string[]
  alg?: 'HS256' | 'HS384' | 'HS512'
  secret?: string
}

/** Signs a token the way an app backend would, with every default claim unless overridden or omitted. */
function forge({ claims = {}, omit = [], alg = 'HS256', secret = SECRET }: Forge = {}): Promise<string> {
  const nowS = Math.floor(T0 / 1000)
  const all: Record<string, unknown> = {
    sub: 'alice',
    room: 'doc-123',
    iat: nowS,
    exp: nowS + 3600,
    jti: 'jti-0123456789',
    iss: ISSUER,
    aud: AUDIENCE,
    ...claims,
  }
  for (const name of omit) delete all[name]
  return new SignJWT(all).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret))
}

describe('token mint', () => {
  it('mints an HS256 JWT with sub, room, iat, exp, jti, iss and aud', async () => {
    const { tokens } = setup()
    const minted = await tokens.mint({ userId: 'alice', roomId: 'doc-123', userName: 'Alice' })
    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'HS256', typ: 'octp2p-room+jwt', kid: expect.stringMatching(/^[\w-]{16}$/) })
    const claims = decodeJwt(minted.token)
    expect(claims).toMatchObject({ sub: 'alice', room: 'doc-123', name: 'Alice', iss: ISSUER, aud: AUDIENCE, iat: T0 / 1000, exp: T0 / 1000 + 3600 })
    expect(claims.jti).toBe(minted.jti)
    expect(minted.expiresAt).toBe(T0 + 3600_000)
    const { payload } = await jwtVerify(minted.token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(T0) })
    expect(payload.sub).toBe('alice')
  })

  it('gives every token its own jti', async () => {
    const { tokens } = setup()
    const a = await tokens.mint({ userId: 'alice', roomId: 'doc-123' })
    const b = await tokens.mint({ userId: 'alice', roomId: 'doc-123' })
    expect(a.jti).not.toBe(b.jti)
  })

  it('verifies its own token round trip', async () => {
    const { tokens } = setup()
    const minted = await tokens.mint({ userId: 'alice', roomId: 'doc-123' })
    expect(await tokens.verify(minted.token)).toEqual({
      ok: true,
      claims: { userId: 'alice', roomId: 'doc-123', userName: undefined, jti: minted.jti, expiresAt: T0 + 3600_000 },
    })
  })

  it('accepts a token an app backend signed itself with AUTH_SECRET', async () => {
    const { tokens } = setup()
    expect(await tokens.verify(await forge())).toMatchObject({ ok: true, claims: { userId: 'alice', roomId: 'doc-123' } })
  })
})

describe('token verify refusals', () => {
  const refuses = async (token: string, code = 'token_invalid') => {
    const { tokens } = setup()
    expect(await tokens.verify(token)).toMatchObject({ ok: false, code })
  }

  it('refuses alg none', async () => {
    const nowS = Math.floor(T0 / 1000)
    const unsecured = new UnsecuredJWT({ room: 'doc-123', jti: 'jti-0123456789' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 3600)
      .encode()
    await refuses(unsecured)
    const payload = (await forge()).split('.')[1]
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    await refuses(`${noneHeader}.${payload}.`)
  })

  it.each(['HS384', 'HS512'] as const)('refuses the same claims re-signed with %s', async (alg) => {
    await refuses(await forge({ alg }))
  })

  it.each(['exp', 'iat', 'jti', 'room', 'sub', 'iss', 'aud'])('refuses a token without %s', async (claim) => {
    await refuses(await forge({ omit: [claim] }))
  })

  it('refuses a wrong issuer', async () => {
    await refuses(await forge({ claims: { iss: 'someone-else' } }))
  })

  it('refuses a wrong audience, and an audience list without ours', async () => {
    await refuses(await forge({ claims: { aud: 'another-service' } }))
    await refuses(await forge({ claims: { aud: ['another-service', 'third'] } }))
  })

  it('refuses a token that expired beyond the 30 s tolerance, and accepts one 5 s after exp', async () => {
    const { clock, tokens } = setup()
    const minted = await tokens.mint({ userId: 'alice', roomId: 'doc-123' })
    clock.set(minted.expiresAt + 5_000)
    expect(await tokens.verify(minted.token)).toMatchObject({ ok: true })
    clock.set(minted.expiresAt + 31_000)
    expect(await tokens.verify(minted.token)).toMatchObject({ ok: false, code: 'token_expired' })
  })

  it('refuses a token issued far in the future, and accepts small skew', async () => {
    const nowS = Math.floor(T0 / 1000)
    await refuses(await forge({ claims: { iat: nowS + 120, exp: nowS + 3720 } }))
    const { tokens } = setup()
    expect(await tokens.verify(await forge({ claims: { iat: nowS + 20 } }))).toMatchObject({ ok: true })
  })

  it('refuses a lifetime over 24 hours, and accepts exactly 24 hours', async () => {
    const nowS = Math.floor(T0 / 1000)
    await refuses(await forge({ claims: { exp: nowS + 24 * 3600 + 1 } }))
    const { tokens } = setup()
    expect(await tokens.verify(await forge({ claims: { exp: nowS + 24 * 3600 } }))).toMatchObject({ ok: true })
  })

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = (await forge()).split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
    const tampered = Buffer.from(JSON.stringify({ ...claims, room: 'other-room' })).toString('base64url')
    await refuses(`${header}.${tampered}.${signature}`)
  })

  it('refuses a token signed with another secret', async () => {
    await refuses(await forge({ secret: 'another-secret-0123456789-abcdefghijklmnop' }))
  })

  it.each([
    ['sub', '../etc'],
    ['sub', '__proto__'],
    ['sub', 'a'.repeat(65)],
    ['room', 'a:b'],
    ['room', '{tag}'],
    ['room', ''],
    ['room', 'constructor'],
    ['room', 42],
    ['sub', 'а' + 'lice'],
  ])('refuses a %s claim that breaks the id rules (%j)', async (claim, value) => {
    await refuses(await forge({ claims: { [claim]: value } }))
  })

  it('refuses strings that are not JWTs', async () => {
    await refuses('')
    await refuses('not-a-jwt')
    await refuses('a.b.c')
  })
})

describe('describeTtl', () => {
  it.each([
    [3600, '1 hour'],
    [7200, '2 hours'],
    [86_400, '1 day'],
    [90, '90 seconds'],
    [120, '2 minutes'],
    [60, '1 minute'],
    [1, '1 second'],
    [5400, '90 minutes'],
  ])('describes %i seconds as %s', (seconds, text) => {
    expect(describeTtl(seconds)).toBe(text)
  })
})
