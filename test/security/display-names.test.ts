/**
 * @module Issue 9 finding 8 over real sockets: a name the client chooses is normalized, refused when it spoofs
 * (invalid_name, 4000), and marked as the client's (nameVerified false) for everyone who sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

describe('display names in auth frames', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({})
  })
  afterAll(() => server.close())

  const auth = async (userId: string, roomId: string, data: Record<string, unknown>, tokenName?: string) => {
    const client = await TestClient.open(server.ws)
    client.send({ type: 'auth', data: { token: await server.token(userId, roomId, tokenName), ...data } })
    return client
  }

  it.each([
    ['a line separator', 'Bob\u2028(admin)'],
    ['a bidi override', 'Bob\u202e(nimda)'],
    ['a Cyrillic look-alike', 'Воb'],
    ['stacked combining marks', `B${'\u0301'.repeat(12)}ob`],
  ])('refuses a chosen name with %s: invalid_name, 4000, and nobody sees it', async (_label, name) => {
    const bob = (await TestClient.join(server.ws, await server.token('bob', 'names-1'))).client
    const mallory = await auth('mallory', 'names-1', { userName: name })
    expect((await mallory.next('error')).data?.code).toBe('invalid_name')
    expect((await mallory.waitClose()).code).toBe(4000)
    expect(await bob.sync()).toEqual([])
    await bob.close()
  })

  it('normalizes a chosen name and tells the room it is the client\'s own (nameVerified false); token names are verified', async () => {
    const bob = (await TestClient.join(server.ws, await server.token('bob', 'names-2', 'Bob'))).client
    const mallory = await auth('mallory', 'names-2', { userName: '  Ｂｏｂ   (admin) ' })
    const reply = await mallory.next('auth')
    expect(reply.data).toMatchObject({ userName: 'Bob (admin)', nameVerified: false })
    expect(reply.data?.peers).toEqual([{ userId: 'bob', userName: 'Bob', joinedAt: expect.any(Number), nameVerified: true }])
    expect((await bob.next('peer-joined')).data).toMatchObject({ userId: 'mallory', userName: 'Bob (admin)', nameVerified: false })
    // A name in the token wins over the frame's.
    const carol = await auth('carol', 'names-2', { userName: 'Root' }, 'Carol')
    expect((await carol.next('auth')).data).toMatchObject({ userName: 'Carol', nameVerified: true })
    const listed = await server.api('/api/rooms/names-2/peers')
    expect(listed.body.peers.map((p: { userId: string; nameVerified: boolean }) => [p.userId, p.nameVerified])).toEqual([
      ['bob', true],
      ['mallory', false],
      ['carol', true],
    ])
    await Promise.all([bob.close(), mallory.close(), carol.close()])
  })

  it('refuses such names at minting too (400 with the rule, never the characters)', async () => {
    const res = await server.api('/api/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'x', roomId: 'r', userName: 'Bob\u2028(admin)' }) })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('invalid_body')
    expect(res.body.error).toMatch(/separator/)
    expect(res.body.error).not.toContain('\u2028')
  })
})
