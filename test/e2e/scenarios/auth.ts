/** @module Every way the auth handshake can fail (an error frame with the code, the documented close code, no join), and single-use tokens. */
import { beforeAll, describe, expect, it } from 'vitest'
import type { TestClient } from '../../helpers/ws-client.js'
import { expectQuiet } from '../support/sentinels.js'
import { forgeToken, peerLeft } from '../support/scenario.js'
import { authFrame, deploy, itWith } from '../support/stage.js'
import type { Target } from '../support/target.js'

const ROOM = 'room-1'
const AUTH_TIMEOUT = 1000

export function authScenarios(target: Target) {
  describe('auth rejections', () => {
    const s = deploy(target, { AUTH_TIMEOUT: String(AUTH_TIMEOUT) })
    /** Watchers of ROOM, one per instance; each case must leave them with nothing to read. */
    let watchers: Record<string, TestClient>
    /** Alternates the instance the rejected sockets use. */
    let attempts = 0
    beforeAll(async () => {
      watchers = await s.joinAll(ROOM, ['w0', 'w1'])
    })

    const auth = (token: string) => authFrame(token, {}, { userId: 'alice', roomId: ROOM })

    /** Opens a socket, sends `first`, expects the error code then the close code; the room saw nobody. */
    async function expectRejected(first: unknown, code: string, closeCode: number) {
      const client = await s.open(attempts++, { room: ROOM })
      client.send(first)
      expect(await client.next()).toEqual({ type: 'error', data: { code, error: expect.any(String) }, timestamp: expect.any(Number) })
      expect((await client.waitClose()).code).toBe(closeCode)
      expect(client.all('auth')).toEqual([])
      await expectQuiet(watchers)
    }

    it('closes with 4001 token_invalid for a garbage token', async () => {
      await expectRejected(auth('not-a-jwt'), 'token_invalid', 4001)
    })

    it('closes with 4001 token_expired for a token that expired long ago', async () => {
      const past = Math.floor(Date.now() / 1000) - 7200
      await expectRejected(auth(await forgeToken({ sub: 'alice', room: ROOM, iat: past - 3600, exp: past })), 'token_expired', 4001)
    })

    it('accepts a forged token with the right secret and claims (control for the cases below)', async () => {
      const { client } = await s.join('alice', ROOM, { token: await forgeToken({ sub: 'alice', room: ROOM }), peer: 1 })
      for (const w of Object.values(watchers)) expect(await w.next()).toMatchObject({ type: 'peer-joined', userId: 'alice' })
      await client.close()
      for (const w of Object.values(watchers)) expect(await w.next()).toEqual(peerLeft(ROOM, 'alice', 'disconnected'))
      await expectQuiet(watchers)
    })

    it('closes with 4001 token_invalid for a tampered payload', async () => {
      const [header, payload, signature] = (await s.token('alice', 'elsewhere')).split('.')
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
      await expectRejected(auth(await s.token('alice', 'other-room')), 'token_mismatch', 4003)
    })

    it('closes with 4003 token_mismatch for a token of another user', async () => {
      await expectRejected(auth(await s.token('bob', ROOM)), 'token_mismatch', 4003)
    })

    it('closes with 4001 auth_required when the first frame is not auth', async () => {
      await expectRejected({ type: 'sdp-offer', targetUserId: 'w0', data: { type: 'offer', sdp: 'v=0' } }, 'auth_required', 4001)
    })

    it('closes with 4001 auth_required when the auth frame has no token', async () => {
      await expectRejected({ type: 'auth', userId: 'alice', roomId: ROOM, data: {} }, 'auth_required', 4001)
    })

    itWith(target, 'silentSocketClose')('closes with 4002 auth_timeout when no frame arrives within AUTH_TIMEOUT', async () => {
      for (let peer = 0; peer < s.instances; peer++) {
        const client = await s.open(peer, { room: ROOM })
        const opened = Date.now()
        expect(await client.next(undefined, AUTH_TIMEOUT + 3000)).toMatchObject({ type: 'error', data: { code: 'auth_timeout' } })
        expect((await client.waitClose()).code).toBe(4002)
        expect(Date.now() - opened).toBeGreaterThanOrEqual(AUTH_TIMEOUT - 50)
      }
    })

    it('closes with 1003 when the first frame is binary', async () => {
      const client = await s.open(1, { room: ROOM })
      client.ws.send(Buffer.from(JSON.stringify(auth(await s.token('alice', ROOM, { peer: 1 })))))
      expect((await client.waitClose()).code).toBe(1003)
      expect(client.all('auth')).toEqual([])
      await expectQuiet(watchers)
    })

    it('closes with 1003 on a binary frame sent while the auth frame is being checked', async () => {
      // Another room: depending on timing the join completes before the close, and is then undone.
      const client = await s.open(0, { room: 'side-room' })
      client.send(authFrame(await s.token('alice', 'side-room')))
      client.ws.send(Buffer.from('{"type":"heartbeat"}'))
      expect((await client.waitClose()).code).toBe(1003)
    })

    it('closes with 4003 already_authenticated on a second auth, and the room sees the peer leave once', async () => {
      const { client } = await s.join('alice', ROOM, { peer: 0 })
      for (const w of Object.values(watchers)) expect(await w.next()).toMatchObject({ type: 'peer-joined', userId: 'alice' })
      client.send(authFrame(await s.token('mallory', ROOM), {}, { userId: 'mallory', roomId: ROOM }))
      expect(await client.next()).toMatchObject({ type: 'error', data: { code: 'already_authenticated' } })
      expect((await client.waitClose()).code).toBe(4003)
      for (const w of Object.values(watchers)) expect(await w.next()).toEqual(peerLeft(ROOM, 'alice', 'already_authenticated'))
      await s.cleanup()
      await expectQuiet(watchers)
    })

    it('closes with 1003 on a binary frame after auth, and the room sees the peer leave once', async () => {
      const { client } = await s.join('alice', ROOM, { peer: 1 })
      for (const w of Object.values(watchers)) expect(await w.next()).toMatchObject({ type: 'peer-joined', userId: 'alice' })
      client.ws.send(Buffer.from('{"type":"heartbeat"}'))
      expect((await client.waitClose()).code).toBe(1003)
      for (const w of Object.values(watchers)) expect(await w.next()).toEqual(peerLeft(ROOM, 'alice', 'binary_unsupported'))
      await expectQuiet(watchers)
    })

    it('still serves the room after all of the above', async () => {
      const { client, reply } = await s.join('alice', ROOM, { peer: 0 })
      expect(reply.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['w0', 'w1'])
      for (const w of Object.values(watchers)) expect(await w.next()).toMatchObject({ type: 'peer-joined', userId: 'alice' })
      await client.close()
      for (const w of Object.values(watchers)) expect(await w.next()).toEqual(peerLeft(ROOM, 'alice', 'disconnected'))
      await expectQuiet(watchers)
    })
  })

  describe('auth frame details (SINGLE_USE_TOKENS=true)', () => {
    const s = deploy(target, { SINGLE_USE_TOKENS: 'true' })

    it('ignores privilege fields on the auth frame: identity and room come from the token', async () => {
      const token = await s.token('alice', 'extras')
      const client = await s.open(0, { room: 'extras' })
      const privileges = { isAdmin: true, role: 'admin', grants: { roomAdmin: true } }
      client.send({ type: 'auth', ...privileges, data: { token, ...privileges }, timestamp: Date.now() })
      const reply = await client.next()
      expect(reply).toMatchObject({ type: 'auth', userId: 'alice', roomId: 'extras', data: { status: 'authenticated' } })
      expect(JSON.stringify(reply)).not.toMatch(/isAdmin|role|grants/)
      await client.close()
    })

    it('closes with 4001 token_used when a single-use token comes back, on any instance', async () => {
      const token = await s.token('bob', 'once')
      const { client } = await s.join('bob', 'once', { token, peer: 0 })
      await client.close()
      for (let peer = 0; peer < s.instances; peer++) {
        const { client: again, first } = await s.attempt('bob', 'once', { token, peer })
        expect(first).toMatchObject({ type: 'error', data: { code: 'token_used' } })
        expect((await again.waitClose()).code).toBe(4001)
      }
      // A fresh token works.
      const { client: fresh } = await s.join('bob', 'once', { peer: 1 })
      await fresh.close()
    })
  })
}
