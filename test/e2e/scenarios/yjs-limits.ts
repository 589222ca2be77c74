/**
 * @module /yjs under the same limits as /ws: bad tokens refused before the upgrade with the JSON error body, the
 * shared admission (Origin, connections per address), room capacity, frame size and shape, message rate. Each group
 * runs on a deployment yjs.ts boots with the env named in its comment.
 */
import { expect, it } from 'vitest'
import type { TestClient } from '../../helpers/ws-client.js'
import { forgeToken, until } from '../support/scenario.js'
import type { Stage } from '../support/stage.js'
import { expectYjsQuiet, nextPublish, openYjs, publish, published, subscribe, yjsConnections, yjsRoomSize, yjsStats, yjsUrl } from '../support/yjs.js'

/** MAX_MESSAGE_BYTES of the deployment the bad-frame group runs on. */
export const YJS_MAX_BYTES = 2048
const MAX_BYTES = YJS_MAX_BYTES

/** Resolves with the HTTP status and JSON body an upgrade was refused with; fails if it was accepted. */
async function refused(s: Stage, peer: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const client = await s.open(peer, { url, headers }).catch((err: { status?: number; body?: string }) => {
    if (err.status === undefined) throw err
    return { status: err.status, body: JSON.parse(err.body ?? '') as unknown }
  })
  if ('ws' in client) throw new Error('upgrade was accepted')
  return client
}

const errorFrame = (code: string) => ({ type: 'error', data: { code, error: expect.any(String) }, timestamp: expect.any(Number) })

/** Needs CORS_ORIGINS=https://app.example and MAX_CONNECTIONS_PER_IP=3. */
export function yjsAdmissionTests(s: Stage) {
  it('refuses a missing, bad, expired, foreign or oversized token with 401 and the JSON error body, and counts it', async () => {
    const now = Math.floor(Date.now() / 1000)
    const cases: [string, string, string][] = [
      [s.ws(0, '/yjs'), 'unauthorized', 'A room token is required: /yjs?token=<room token>'],
      [s.ws(0, '/yjs?token='), 'unauthorized', 'A room token is required: /yjs?token=<room token>'],
      [yjsUrl(s, 0, 'not-a-token'), 'token_invalid', 'Token is invalid'],
      [yjsUrl(s, 0, await forgeToken({ room: 'y-adm', iat: now - 7200, exp: now - 3600 })), 'token_expired', 'Token has expired'],
      [yjsUrl(s, 0, await forgeToken({ room: 'y-adm', secret: 'another-secret-0123456789-abcdefghijklmnop' })), 'token_invalid', 'Token is invalid'],
      [yjsUrl(s, 0, 'x'.repeat(5000)), 'token_invalid', 'Token is invalid'],
    ]
    for (let peer = 0; peer < s.instances; peer++) {
      const before = await yjsStats(s, peer)
      for (const [url, code, error] of cases) {
        expect(await refused(s, peer, url.replace(s.ws(0, ''), s.ws(peer, '')))).toEqual({ status: 401, body: { error, code } })
      }
      const after = await yjsStats(s, peer)
      expect(after.connections).toBe(0)
      expect((after.refused.token_invalid ?? 0) - (before.refused.token_invalid ?? 0)).toBe(3)
    }
  })

  it('applies the shared admission: a foreign Origin gets 403, a plain GET 426, and /ws and /yjs sockets share MAX_CONNECTIONS_PER_IP', async () => {
    const token = await s.token('alice', 'y-adm', { peer: 0 })
    expect(await refused(s, 0, yjsUrl(s, 0, token), { origin: 'https://evil.example' })).toEqual({ status: 403, body: { error: 'Origin not allowed', code: 'origin_not_allowed' } })
    const plain = await fetch(`${s.http(0)}/yjs?token=${token}`)
    expect(plain.status).toBe(426)
    expect(await plain.json()).toMatchObject({ code: 'upgrade_required' })
    const sockets: TestClient[] = [await openYjs(s, 'alice', 'y-adm', 0, { token }), await s.open(0, { headers: { origin: 'https://app.example' } })]
    sockets.push(await s.open(0, { url: yjsUrl(s, 0, token), headers: { origin: 'https://app.example' } }))
    expect(await refused(s, 0, yjsUrl(s, 0, token))).toMatchObject({ status: 429, body: { code: 'too_many_connections' } })
    expect(await refused(s, 0, s.ws(0))).toMatchObject({ status: 429, body: { code: 'too_many_connections' } })
    await sockets[0]!.close()
    await until(async () => (await yjsStats(s, 0)).connections === 1, 'the server saw the close')
    const again = await openYjs(s, 'alice', 'y-adm', 0, { token })
    for (const c of [again, ...sockets.slice(1)]) await c.close()
  })
}

/** Needs MAX_PEERS_PER_ROOM=2. */
export function yjsCapacityTests(s: Stage) {
  it('refuses the upgrade of a third subscriber with 409 room_full on any instance, and admits it once a place is free', async () => {
    const room = 'y-full'
    const alice = await openYjs(s, 'alice', room, 0)
    const bob = await openYjs(s, 'bob', room, 1)
    for (const c of [alice, bob]) await subscribe(c, [room])
    for (let peer = 0; peer < s.instances; peer++) {
      const url = yjsUrl(s, peer, await s.token('carol', room, { peer }))
      expect(await refused(s, peer, url)).toEqual({ status: 409, body: { error: 'Room is full', code: 'room_full' } })
    }
    await bob.close()
    await until(async () => (await yjsRoomSize(s, room)) === 1, "the store saw bob's socket leave")
    const carol = await openYjs(s, 'carol', room, 1)
    await subscribe(carol, [room])
    publish(carol, room, { type: 'announce', from: 'c' })
    for (const c of [alice, carol]) expect(await nextPublish(c)).toEqual(published(room, { type: 'announce', from: 'c' }, 2))
  })

  it('closes a subscriber the store refuses (it passed the upgrade before the room filled) with room_full 4004', async () => {
    const room = 'y-race'
    const clients = [await openYjs(s, 'alice', room, 0), await openYjs(s, 'bob', room, 1), await openYjs(s, 'carol', room, 2)]
    for (const c of clients.slice(0, 2)) await subscribe(c, [room])
    const carol = clients[2]!
    carol.send({ type: 'subscribe', topics: [room] })
    expect(await carol.next()).toEqual(errorFrame('room_full'))
    expect((await carol.waitClose()).code).toBe(4004)
    await expectYjsQuiet(room, { alice: clients[0]!, bob: clients[1]! })
  })
}

/** Needs MAX_MESSAGE_BYTES=YJS_MAX_BYTES. */
export function yjsBadFrameTests(s: Stage) {
  it('answers malformed frames with an error frame and keeps the socket; ten in a row close it with 4000', async () => {
    const room = 'y-bad'
    const alice = await openYjs(s, 'alice', room, 0)
    await subscribe(alice, [room])
    const bad: [string, string][] = [
      ['{', 'invalid_message'],
      ['null', 'invalid_message'],
      ['[]', 'invalid_message'],
      ['{"type":"publish","topic":"y-bad"}', 'invalid_message'],
      ['{"type":"publish","topic":42,"data":{}}', 'invalid_message'],
      ['{"type":"subscribe","topics":"y-bad"}', 'invalid_message'],
      ['{"type":"chat","data":{}}', 'unknown_type'],
      ['{"type":"__proto__"}', 'unknown_type'],
      ['{"topics":["y-bad"]}', 'unknown_type'],
    ]
    for (const [raw, code] of bad) {
      alice.send(raw)
      expect(await alice.next(), raw).toEqual(errorFrame(code))
    }
    publish(alice, room, { ok: true })
    expect(await nextPublish(alice)).toEqual(published(room, { ok: true }, 1))
    for (let i = 0; i < 10; i++) alice.send('{oops')
    for (let i = 0; i < 10; i++) expect(await alice.next()).toEqual(errorFrame('invalid_message'))
    expect(await alice.next()).toEqual(errorFrame('too_many_invalid'))
    expect((await alice.waitClose()).code).toBe(4000)
  })

  it('closes a binary frame with 1003 and a frame over MAX_MESSAGE_BYTES with 1009; the other subscribers keep working', async () => {
    const room = 'y-size'
    const open = await yjsConnections(s)
    const [alice, bob, carol] = [await openYjs(s, 'alice', room, 0), await openYjs(s, 'bob', room, 1), await openYjs(s, 'carol', room, 0)]
    for (const c of [alice, bob, carol]) await subscribe(c, [room])
    alice.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true })
    expect((await alice.waitClose()).code).toBe(1003)
    publish(bob, room, { sdp: 'x'.repeat(MAX_BYTES) })
    expect((await bob.waitClose()).code).toBe(1009)
    const shell = JSON.stringify({ type: 'publish', topic: room, data: '' })
    publish(carol, room, 'y'.repeat(MAX_BYTES - shell.length))
    expect(((await nextPublish(carol)).data as unknown as string).length).toBe(MAX_BYTES - shell.length)
    await until(async () => (await yjsConnections(s)) === open + 1, 'the closes were seen')
  })
}

/** Needs MESSAGE_RATE=1 and MESSAGE_BURST=5. */
export function yjsRateTests(s: Stage) {
  it('answers rate_limited once, then closes a flood with 4008; the other subscriber gets what passed', async () => {
    const room = 'y-flood'
    const limited = (await yjsStats(s, 0)).rejectedFrames.rate_limited ?? 0
    const alice = await openYjs(s, 'alice', room, 0)
    const bob = await openYjs(s, 'bob', room, 1)
    await subscribe(alice, [room])
    await subscribe(bob, [room])
    // Once alice has bob's first publish, her instance knows he subscribed (the bus keeps one instance's order).
    publish(bob, room, 'hello')
    for (const c of [alice, bob]) expect((await nextPublish(c)).data).toBe('hello')
    // alice spent 2 of her 5 tokens (subscribe, ping): 3 publishes pass, the 4th is dropped with one warning, the
    // 9th (6 dropped in a row > burst 5) closes.
    for (let i = 0; i < 16; i++) publish(alice, room, { seq: i })
    expect((await alice.waitClose()).code).toBe(4008)
    expect(alice.frames.filter((f) => f.type === 'error').map((f) => f.data?.code)).toEqual(['rate_limited', 'rate_limited'])
    for (let i = 0; i < 3; i++) expect((await nextPublish(bob)).data).toEqual({ seq: i })
    expect(bob.closed).toBeNull()
    expect(((await yjsStats(s, 0)).rejectedFrames.rate_limited ?? 0) - limited).toBe(6)
  })
}
