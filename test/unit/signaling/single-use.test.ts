/**
 * @module Issue 9 finding 5: room tokens are single-use by default. A replayed token is refused (token_used, 4001) and
 * its user keeps the session; a reconnect comes back with the resume token (the same room token is then accepted for
 * that resume only) or with a fresh token.
 */
import { describe, expect, it } from 'vitest'
import { createWorld, flush, until, type Client } from './fixtures.js'

const closedWith = (c: Client) => [c.errorCodes(), c.socket.closed?.code]

async function withToken(userId = 'alice') {
  const w = await createWorld()
  const bob = await w.join('bob', 'r1')
  const { token } = await w.tokens.mint({ userId, roomId: 'r1' })
  const alice = w.connect()
  alice.send({ type: 'auth', data: { token } })
  const auth = await alice.reply()
  await flush()
  bob.fresh()
  return { w, bob, alice, token, auth }
}

describe('single-use room tokens (the default)', () => {
  it('refuses a replay of a token in use: token_used, 4001; the user keeps its socket and the room hears nothing', async () => {
    const { w, bob, alice, token } = await withToken()
    const mallory = w.connect('203.0.113.9')
    mallory.send({ type: 'auth', data: { token } })
    await until(() => mallory.socket.closed !== null, 'the refusal')
    expect(closedWith(mallory)).toEqual([['token_used'], 4001])
    await flush()
    expect(alice.socket.closed).toBeNull()
    expect(bob.fresh()).toEqual([])
    expect(await w.peers('r1')).toEqual(['bob', 'alice'])
  })

  it('refuses a replay after the user left as well', async () => {
    const { w, alice, token } = await withToken()
    alice.closeWith(1000)
    await flush()
    const again = w.connect()
    again.send({ type: 'auth', data: { token } })
    await until(() => again.socket.closed !== null, 'the refusal')
    expect(closedWith(again)).toEqual([['token_used'], 4001])
  })

  it('accepts the same room token again with the resume token of its session: resumed, nothing announced', async () => {
    const { w, bob, alice, token, auth } = await withToken()
    alice.drop()
    const back = w.connect()
    back.send({ type: 'auth', data: { token, resumeToken: auth.resumeToken } })
    expect(await back.reply()).toMatchObject({ resumed: true })
    await flush()
    expect(bob.fresh()).toEqual([])
    expect(await w.peers('r1')).toEqual(['bob', 'alice'])
  })

  it('refuses the used token when its resume can no longer happen (grace over): token_used, a fresh token is needed', async () => {
    const { w, bob, alice, token, auth } = await withToken()
    alice.drop()
    w.scheduler.advance(w.config.ws.reconnectGraceMs + 1)
    await flush()
    const late = w.connect()
    late.send({ type: 'auth', data: { token, resumeToken: auth.resumeToken } })
    await until(() => late.socket.closed !== null, 'the refusal')
    expect(closedWith(late)).toEqual([['token_used'], 4001])
    const fresh = await w.join('alice', 'r1')
    expect(fresh.auth.resumed).toBe(false)
    expect(bob.fresh().map((f) => `${f.type} ${f.userId}`)).toEqual(['peer-left alice', 'peer-joined alice'])
  })

  it('SINGLE_USE_TOKENS=false keeps the old behaviour: a replay replaces the user (4009)', async () => {
    const w = await createWorld({ env: { SINGLE_USE_TOKENS: 'false' } })
    const { token } = await w.tokens.mint({ userId: 'alice', roomId: 'r1' })
    const alice = w.connect()
    alice.send({ type: 'auth', data: { token } })
    await alice.reply()
    const replay = w.connect()
    replay.send({ type: 'auth', data: { token } })
    await replay.reply()
    await until(() => alice.socket.closed !== null, 'the replacement')
    expect(closedWith(alice)).toEqual([['replaced'], 4009])
  })
})
