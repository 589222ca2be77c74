/** @module Every way the auth handshake can fail: an error frame with the code, the documented close code, no join. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { forgeToken, joinAll, ofType } from './support/scenario.js'

const ROOM = 'room-1'

describe('auth rejections', () => {
  let server: TestServer
  let observer: TestClient
  beforeAll(async () => {
    server = await startTestServer({ AUTH_TIMEOUT: '300' })
    observer = (await joinAll(server, ROOM, ['observer'])).observer
  })
  afterAll(async () => {
    await observer.close()
    await server.close()
  })

  /** Opens a socket, sends `first`, expects the error code then the close code; the room saw nobody. */
  async function expectRejected(first: unknown, code: string, closeCode: number) {
    const client = await TestClient.open(server.ws)
    client.send(first)
    expect(await client.next()).toMatchObject({ type: 'error', data: { code, error: expect.any(String) } })
    expect((await client.waitClose()).code).toBe(closeCode)
    expect(client.all('auth')).toEqual([])
    expect(ofType(await observer.sync(), 'peer-joined')).toEqual([])
  }

  const auth = (token: string, ids: { userId?: string; roomId?: string } = { userId: 'alice', roomId: ROOM }) => ({
    type: 'auth',
    ...ids,
    data: { token },
    timestamp: Date.now(),
  })

  it('closes with 4001 token_invalid for a garbage token', async () => {
    await expectRejected(auth('not-a-jwt'), 'token_invalid', 4001)
  })

  it('closes with 4001 token_expired for a token that expired long ago', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200
    await expectRejected(auth(await forgeToken({ sub: 'alice', room: ROOM, iat: past - 3600, exp: past })), 'token_expired', 4001)
  })

  it('accepts a forged token with the right secret and claims (control for the cases below)', async () => {
    const token = await forgeToken({ sub: 'alice', room: ROOM })
    const { client, reply } = await TestClient.join(server.ws, token, { userId: 'alice', roomId: ROOM })
    expect(reply.data?.status).toBe('authenticated')
    expect((await observer.next('peer-joined')).userId).toBe('alice')
    await client.close()
    expect((await observer.next('peer-left')).userId).toBe('alice')
  })

  it('closes with 4001 token_invalid for a tampered payload', async () => {
    const [header, payload, signature] = (await server.token('alice', 'elsewhere')).split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
    const tampered = Buffer.from(JSON.stringify({ ...claims, room: ROOM })).toString('base64url')
    await expectRejected(auth(`${header}.${tampered}.${signature}`), 'token_invalid', 4001)
  })

  it('closes with 4001 token_invalid for a token signed with HS512', async () => {
    await expectRejected(auth(await forgeToken({ sub: 'alice', room: ROOM, alg: 'HS512' })), 'token_invalid', 4001)
  })

  it('closes with 4001 token_invalid for a token signed with another secret', async () => {
    const secret = 'another-secret-0123456789-abcdefghijklmnop'
    await expectRejected(auth(await forgeToken({ sub: 'alice', room: ROOM, secret })), 'token_invalid', 4001)
  })

  it('closes with 4003 token_mismatch for a token of another room', async () => {
    await expectRejected(auth(await server.token('alice', 'other-room')), 'token_mismatch', 4003)
  })

  it('closes with 4003 token_mismatch for a token of another user', async () => {
    await expectRejected(auth(await server.token('bob', ROOM)), 'token_mismatch', 4003)
  })

  it('closes with 4001 auth_required when the first frame is not auth', async () => {
    await expectRejected({ type: 'sdp-offer', targetUserId: 'observer', data: { type: 'offer', sdp: 'v=0' } }, 'auth_required', 4001)
  })

  it('closes with 4001 auth_required when the auth frame has no token', async () => {
    await expectRejected({ type: 'auth', userId: 'alice', roomId: ROOM, data: {} }, 'auth_required', 4001)
  })

  it('closes with 4002 auth_timeout when no frame arrives within AUTH_TIMEOUT', async () => {
    const client = await TestClient.open(server.ws)
    const opened = Date.now()
    expect(await client.next(undefined, 3000)).toMatchObject({ type: 'error', data: { code: 'auth_timeout' } })
    expect((await client.waitClose()).code).toBe(4002)
    expect(Date.now() - opened).toBeGreaterThanOrEqual(250)
  })

  it('closes with 1003 when the first frame is binary', async () => {
    const client = await TestClient.open(server.ws)
    client.ws.send(Buffer.from(JSON.stringify(auth(await server.token('alice', ROOM)))))
    expect((await client.waitClose()).code).toBe(1003)
    expect(client.all('auth')).toEqual([])
    expect(ofType(await observer.sync(), 'peer-joined')).toEqual([])
  })

  it('closes with 1003 on a binary frame sent while the auth frame is being checked', async () => {
    // Another room: depending on timing the join completes before the close, and is then undone.
    const client = await TestClient.open(server.ws)
    client.send(auth(await server.token('alice', 'side-room'), {}))
    client.ws.send(Buffer.from('{"type":"heartbeat"}'))
    expect((await client.waitClose()).code).toBe(1003)
  })

  it('closes with 4003 already_authenticated on a second auth, and the room sees the peer leave once', async () => {
    const { client } = await TestClient.join(server.ws, await server.token('alice', ROOM), { userId: 'alice', roomId: ROOM })
    expect((await observer.next('peer-joined')).userId).toBe('alice')
    client.send(auth(await server.token('mallory', ROOM), { userId: 'mallory', roomId: ROOM }))
    expect(await client.next()).toMatchObject({ type: 'error', data: { code: 'already_authenticated' } })
    expect((await client.waitClose()).code).toBe(4003)
    expect(await observer.next('peer-left')).toMatchObject({ userId: 'alice' })
    const after = await observer.sync()
    expect(after.filter((f) => f.type === 'peer-joined' || f.type === 'peer-left')).toEqual([])
  })

  it('closes with 1003 on a binary frame after auth', async () => {
    const { client } = await TestClient.join(server.ws, await server.token('alice', ROOM), { userId: 'alice', roomId: ROOM })
    expect((await observer.next('peer-joined')).userId).toBe('alice')
    client.ws.send(Buffer.from('{"type":"heartbeat"}'))
    expect((await client.waitClose()).code).toBe(1003)
    expect(await observer.next('peer-left')).toMatchObject({ userId: 'alice' })
  })

  it('still serves the room after all of the above', async () => {
    const { client, reply } = await TestClient.join(server.ws, await server.token('alice', ROOM))
    expect(reply.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['observer'])
    expect((await observer.next('peer-joined')).userId).toBe('alice')
    await client.close()
    expect((await observer.next('peer-left')).userId).toBe('alice')
  })
})

describe('auth frame details', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ SINGLE_USE_TOKENS: 'true' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('ignores privilege fields on the auth frame: identity and room come from the token', async () => {
    const token = await server.token('alice', 'extras')
    const client = await TestClient.open(server.ws)
    const privileges = { isAdmin: true, role: 'admin', grants: { roomAdmin: true } }
    client.send({ type: 'auth', ...privileges, data: { token, ...privileges }, timestamp: Date.now() })
    const reply = await client.next()
    expect(reply).toMatchObject({ type: 'auth', userId: 'alice', roomId: 'extras', data: { status: 'authenticated' } })
    expect(JSON.stringify(reply)).not.toMatch(/isAdmin|role|grants/)
    await client.close()
  })

  it('closes with 4001 token_used when SINGLE_USE_TOKENS is on and a token comes back', async () => {
    const token = await server.token('bob', 'once')
    const { client } = await TestClient.join(server.ws, token)
    await client.close()
    const again = await TestClient.open(server.ws)
    again.send({ type: 'auth', data: { token } })
    expect(await again.next()).toMatchObject({ type: 'error', data: { code: 'token_used' } })
    expect((await again.waitClose()).code).toBe(4001)
    // A fresh token works.
    const { client: fresh, reply } = await TestClient.join(server.ws, await server.token('bob', 'once'))
    expect(reply.data?.status).toBe('authenticated')
    await fresh.close()
  })
})
