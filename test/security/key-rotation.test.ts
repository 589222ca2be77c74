/**
 * @module Issue 9 finding 12: a secret can be rotated without dropping users (AUTH_SECRET_PREVIOUS, selected by `kid`),
 * and room and resume tokens are typed apart.
 */
import { decodeProtectedHeader, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResumeTokens } from '../../src/auth/resume-tokens.js'
import { createTokenService } from '../../src/auth/tokens.js'
import { createManualClock } from '../../src/lib/clock.js'
import { nodeHs256 } from '../../src/runtime/node/crypto.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

const OLD = 'rotation-old-secret-0123456789-abcdefghijklmn'
const NEW = 'rotation-new-secret-9876543210-nmlkjihgfedcba'
const ISSUER = 'octatecode-p2p-backend'
const AUDIENCE = 'octatecode-p2p-signaling'

async function authWith(server: TestServer, token: string) {
  const client = await TestClient.open(server.ws)
  client.send({ type: 'auth', data: { token } })
  const first = await client.next()
  if (first.type === 'auth') await client.close()
  else await client.waitClose()
  return first.type === 'auth' ? 'authenticated' : `${String(first.data?.code)} ${client.closed?.code}`
}

describe('rotating AUTH_SECRET over running servers', () => {
  let old: TestServer
  let rotating: TestServer
  let rotated: TestServer
  beforeAll(async () => {
    ;[old, rotating, rotated] = await Promise.all([
      startTestServer({ AUTH_SECRET: OLD }),
      startTestServer({ AUTH_SECRET: NEW, AUTH_SECRET_PREVIOUS: OLD }),
      startTestServer({ AUTH_SECRET: NEW }),
    ])
  })
  afterAll(() => Promise.all([old, rotating, rotated].map((s) => s.close())))

  it('a token minted under the old secret works during the rotation and stops working once the old secret is removed', async () => {
    const before = await old.token('alice', 'rot')
    expect(await authWith(rotating, before)).toBe('authenticated')
    expect(await authWith(rotated, await old.token('alice', 'rot'))).toBe('token_invalid 4001')
  })

  it('tokens minted during the rotation carry the new kid and keep working after it', async () => {
    const during = await rotating.token('bob', 'rot')
    expect(decodeProtectedHeader(during).kid).toBe(decodeProtectedHeader(await rotated.token('x', 'y')).kid)
    expect(decodeProtectedHeader(during).kid).not.toBe(decodeProtectedHeader(await old.token('x', 'y')).kid)
    expect(await authWith(rotated, during)).toBe('authenticated')
  })

  it('a token naming the old kid but signed by the new secret is refused (the kid picks the key)', async () => {
    const oldKid = decodeProtectedHeader(await old.token('x', 'y')).kid as string
    const nowS = Math.floor(Date.now() / 1000)
    const forged = await new SignJWT({ room: 'rot' })
      .setProtectedHeader({ alg: 'HS256', typ: 'octp2p-room+jwt', kid: oldKid })
      .setSubject('carol').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(nowS).setExpirationTime(nowS + 60).setJti(crypto.randomUUID())
      .sign(new TextEncoder().encode(NEW))
    expect(await authWith(rotating, forged)).toBe('token_invalid 4001')
  })
})

describe('token types', () => {
  const clock = createManualClock(Date.UTC(2030, 0, 1))
  const opts = { secret: NEW, previousSecret: OLD, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600, clock }

  it.each([['jose', undefined], ['node:crypto', nodeHs256]] as const)('a resume token never passes as a room token, nor the other way round (%s)', async (_name, hs256) => {
    const tokens = createTokenService({ ...opts, hs256 })
    const resume = createResumeTokens({ ...opts, hs256 })
    const resumeToken = await resume.issue({ userId: 'alice', roomId: 'r1', sessionConnectionId: 'c1', joinedAt: 1 })
    expect(decodeProtectedHeader(resumeToken).typ).toBe('octp2p-resume+jwt')
    expect(await tokens.verify(resumeToken)).toMatchObject({ ok: false, code: 'token_invalid' })
    const { token } = await tokens.mint({ userId: 'alice', roomId: 'r1' })
    expect(await resume.verify(token)).toBeNull()
    // Resume tokens signed before a rotation still resume.
    const before = await createResumeTokens({ ...opts, secret: OLD, previousSecret: null, hs256 }).issue({ userId: 'alice', roomId: 'r1', sessionConnectionId: 'c1', joinedAt: 1 })
    expect(await resume.verify(before)).toMatchObject({ userId: 'alice', sessionConnectionId: 'c1' })
  })
})
