/** @module Handshake: the auth deadline, the auth reply, and refusals with the error table's close codes. */
import { describe, expect, it } from 'vitest'
import { createWorld, flush, until, type Client, type World } from './fixtures.js'

describe('auth deadline', () => {
  it('closes a socket that sends nothing within AUTH_TIMEOUT with auth_timeout (4002), not a moment before', async () => {
    const w = await createWorld({ env: { AUTH_TIMEOUT: '5000' } })
    const c = w.connect()
    w.scheduler.advance(4999)
    expect(c.socket.closed).toBeNull()
    w.scheduler.advance(1)
    expect(c.errorCodes()).toEqual(['auth_timeout'])
    expect(c.socket.closed?.code).toBe(4002)
    expect(w.audits.map((a) => `${a.event} ${a.reason}`)).toEqual(['auth_failure auth_timeout'])
    await flush()
    expect(w.signaling.registry.size).toBe(0)
  })

  it('an auth frame in time stops the deadline', async () => {
    const w = await createWorld({ env: { AUTH_TIMEOUT: '5000' } })
    const c = w.connect()
    w.scheduler.advance(4000)
    await c.sendAuth('alice', 'r1')
    await c.reply()
    w.scheduler.advance(60_000)
    expect(c.socket.closed).toBeNull()
    expect(w.scheduler.pending).toBe(0)
  })

  it('a socket that closes before authenticating leaves no timer behind', async () => {
    const w = await createWorld()
    const c = w.connect()
    c.closeWith(1000)
    expect(w.scheduler.pending).toBe(0)
  })
})

describe('auth reply', () => {
  it('carries the session fields: resumeToken, reconnectGraceMs, resumed', async () => {
    const w = await createWorld({ env: { RECONNECT_GRACE: '7000' } })
    const alice = await w.join('alice', 'r1', { userName: 'Alice' })
    expect(alice.auth).toMatchObject({ status: 'authenticated', userName: 'Alice', peers: [], connectionId: alice.conn.id, reconnectGraceMs: 7000, resumed: false })
    expect(typeof alice.auth.resumeToken).toBe('string')
    const claims = await w.resumeTokens.verify(alice.auth.resumeToken ?? '')
    expect(claims).toEqual({ userId: 'alice', roomId: 'r1', sessionConnectionId: alice.conn.id, joinedAt: w.scheduler.now() })
    expect(await w.peers('r1')).toEqual(['alice'])
  })

  it('has resumeToken null and reconnectGraceMs 0 with RECONNECT_GRACE=0', async () => {
    const w = await createWorld({ env: { RECONNECT_GRACE: '0' } })
    const alice = await w.join('alice', 'r1')
    expect(alice.auth).toMatchObject({ resumeToken: null, reconnectGraceMs: 0, resumed: false })
  })

  it('counts the join', async () => {
    const w = await createWorld()
    await w.join('alice', 'r1')
    expect(w.metrics.authSuccesses).toBe(1)
    expect(w.metrics.joins).toBe(1)
    expect(w.audits.map((a) => `${a.event} ${a.reason}`)).toEqual(['auth_success null', 'join room created'])
  })
})

describe('auth refusals', () => {
  async function refused(send: (w: World, c: Client) => Promise<void>, env: Record<string, string> = {}) {
    const w = await createWorld({ env })
    const c = w.connect()
    await send(w, c)
    await until(() => c.socket.closed !== null, 'the close')
    return { w, c, codes: c.errorCodes(), close: c.socket.closed?.code }
  }

  it('an invalid token: token_invalid, 4001', async () => {
    const { codes, close, w } = await refused(async (_w, c) => c.send({ type: 'auth', data: { token: 'not.a.token' } }))
    expect([codes, close]).toEqual([['token_invalid'], 4001])
    expect(w.metrics.authFailures).toEqual({ token_invalid: 1 })
  })

  it('a token for another user than the frame names: token_mismatch, 4003', async () => {
    const { codes, close } = await refused(async (w, c) => {
      const { token } = await w.tokens.mint({ userId: 'alice', roomId: 'r1' })
      c.send({ type: 'auth', userId: 'mallory', data: { token } })
    })
    expect([codes, close]).toEqual([['token_mismatch'], 4003])
  })

  it('a full room: room_full, 4004, and the room keeps its peers', async () => {
    const w = await createWorld({ env: { MAX_PEERS_PER_ROOM: '1' } })
    await w.join('alice', 'r1')
    const bob = w.connect()
    await bob.sendAuth('bob', 'r1')
    await until(() => bob.socket.closed !== null, 'the close')
    expect([bob.errorCodes(), bob.socket.closed?.code]).toEqual([['room_full'], 4004])
    expect(await w.peers('r1')).toEqual(['alice'])
  })

  it('a reused token with SINGLE_USE_TOKENS: token_used, 4001', async () => {
    const { codes, close } = await refused(
      async (w, c) => {
        const { token } = await w.tokens.mint({ userId: 'alice', roomId: 'r1' })
        const first = w.connect()
        first.send({ type: 'auth', data: { token } })
        await first.reply()
        c.send({ type: 'auth', data: { token } })
      },
      { SINGLE_USE_TOKENS: 'true' },
    )
    expect([codes, close]).toEqual([['token_used'], 4001])
  })

  it('while draining: draining, 1001, and nothing joins', async () => {
    const { codes, close, w } = await refused(async (w, c) => {
      w.draining = true
      await c.sendAuth('alice', 'r1')
    })
    expect([codes, close]).toEqual([['draining'], 1001])
    expect(await w.peers('r1')).toEqual([])
  })
})
