/** @module Configured limits once a socket is in: message and mint rates, slow consumers, room size, room count. */
import { describe, expect, it } from 'vitest'
import type { Frame } from '../../helpers/ws-client.js'
import { expectQuiet, nextFrame } from '../support/sentinels.js'
import { ofType, peerLeft } from '../support/scenario.js'
import { deploy, itWith, members, userIds } from '../support/stage.js'
import type { Target } from '../support/target.js'

const any = expect.any(Number)

export function limitScenarios(target: Target) {
  /** Tokens here are forged: minting is part of what this block limits. */
  describe('message and mint rates (MESSAGE_RATE=1, MESSAGE_BURST=5, TOKEN_RATE_LIMIT=4)', () => {
    const s = deploy(target, { MESSAGE_RATE: '1', MESSAGE_BURST: '5', TOKEN_RATE_LIMIT: '4' })

    it('answers rate_limited once, then closes with 4008 when the excess goes on; the others see 5 relays and one peer-left', async () => {
      const { alice, bob, carol } = await s.joinAll('rate', ['alice', 'bob', 'carol'], { forge: true })
      // One write: 5 pass, the 6th is dropped with one warning, the 11th (6 dropped in a row > burst 5) closes.
      for (let i = 0; i < 16; i++) alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: `seq:${i}` } })
      expect((await alice.waitClose()).code).toBe(4008)
      // Not repeated per dropped frame: one warning when dropping starts, one naming the close.
      expect(ofType(alice.frames, 'error').map((f) => f.data?.code)).toEqual(['rate_limited', 'rate_limited'])
      const got: Frame[] = []
      while (got.length < 6) got.push(await bob.next())
      expect(got.slice(0, 5).map((f) => [f.type, f.from, f.data?.candidate])).toEqual([0, 1, 2, 3, 4].map((i) => ['ice-candidate', 'alice', `seq:${i}`]))
      expect(got[5]).toEqual(peerLeft('rate', 'alice', 'rate_limited'))
      expect(await carol.next()).toEqual(peerLeft('rate', 'alice', 'rate_limited'))
      await expectQuiet({ bob, carol })
      await Promise.all([bob.close(), carol.close()])
    })

    it('holds TOKEN_RATE_LIMIT for the deployment: 4 mints pass, the 5th and 6th get 429 rate_limited', async () => {
      const statuses: number[] = []
      let refused: unknown
      for (let i = 0; i < 6; i++) {
        const body = JSON.stringify({ userId: 'u', roomId: 'r' })
        const res = await s.api('/api/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body }, i)
        statuses.push(res.status)
        if (res.status === 429) refused = res.body
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
      expect(refused).toEqual({ code: 'rate_limited', error: expect.any(String) })
    })
  })

  describe('slow consumer (MAX_BUFFERED_BYTES=65536)', () => {
    const s = deploy(target, { MAX_BUFFERED_BYTES: '65536', MESSAGE_RATE: '100000', MESSAGE_BURST: '100000' })

    itWith(target, 'slowConsumer')('drops a peer that stops reading once its buffer passes MAX_BUFFERED_BYTES; the sender keeps working', async () => {
      const { alice, bob } = await s.joinAll('slow', ['alice', 'bob'])
      const bobSocket = (bob.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
      bobSocket.pause()
      const offer = { type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'x'.repeat(60_000) } }
      // Loopback socket buffers take several MB before the server's own buffer grows; cap at 64 MB.
      for (let sent = 0; alice.all('peer-left').length === 0 && sent < 1000; sent += 20) {
        for (let i = 0; i < 20; i++) alice.send(offer)
        await alice.sync()
      }
      expect(alice.all('peer-left')).toEqual([peerLeft('slow', 'bob', 'slow_consumer')])
      // Offers sent after bob was gone may be refused (peer_not_found); alice's socket keeps working.
      const refused = (f: Frame) => f.type === 'error' && f.data?.code === 'peer_not_found'
      expect([...alice.drain(), ...(await alice.sync())].filter((f) => f.type !== 'peer-left' && !refused(f))).toEqual([])
      bobSocket.resume()
      // Terminated: no close frame, so the client sees 1006.
      expect((await bob.waitClose(10_000)).code).toBe(1006)
      await alice.close()
    })
  })

  describe('room capacity (MAX_PEERS_PER_ROOM=2)', () => {
    const s = deploy(target, { MAX_PEERS_PER_ROOM: '2' })

    it('refuses a third peer with room_full 4004 on any instance and leaves the others untouched', async () => {
      const { alice, bob } = await s.joinAll('small', ['alice', 'bob'])
      for (const [peer, userId] of [[2, 'carol'], [3, 'dave']] as const) {
        const { client, first } = await s.attempt(userId, 'small', { peer })
        expect(first).toEqual({ type: 'error', data: { code: 'room_full', error: expect.any(String) }, timestamp: any })
        expect((await client.waitClose()).code).toBe(4004)
      }
      await expectQuiet({ alice, bob })
      for (let peer = 0; peer < s.instances; peer++) expect(await members(s, 'small', peer)).toEqual(['alice', 'bob'])
      await alice.close()
      await bob.close()
    })

    it('admits exactly MAX_PEERS_PER_ROOM of 6 joins racing into one room', async () => {
      const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5']
      const tokens = await Promise.all(users.map((u, peer) => s.token(u, 'race', { peer })))
      const outcomes = await Promise.all(users.map(async (u, peer) => (await s.attempt(u, 'race', { peer, token: tokens[peer] })).first))
      expect(outcomes.filter((f) => f.type === 'auth')).toHaveLength(2)
      expect(outcomes.filter((f) => f.data?.code === 'room_full')).toHaveLength(4)
      for (let peer = 0; peer < s.instances; peer++) expect((await members(s, 'race', peer))?.length).toBe(2)
    })

    it('lets the same user rejoin a full room: a replacement, not a third peer', async () => {
      const { alice, bob } = await s.joinAll('full-again', ['alice', 'bob'])
      const { client: alice2, reply } = await s.join('alice', 'full-again', { peer: 1 })
      expect(userIds(reply.data?.peers)).toEqual(['bob'])
      expect((await alice.waitClose()).code).toBe(4009)
      expect(await nextFrame(bob)).toEqual(peerLeft('full-again', 'alice', 'replaced'))
      expect(await nextFrame(bob)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { replaced: true } })
      await expectQuiet({ alice2, bob })
      expect(await members(s, 'full-again')).toEqual(['alice', 'bob'])
      await alice2.close()
      await bob.close()
    })
  })

  describe('room count (MAX_ROOMS=1)', () => {
    const s = deploy(target, { MAX_ROOMS: '1' })

    it('refuses a second room with rooms_exhausted 1013 on any instance while the first keeps working and taking peers', async () => {
      const { alice, bob } = await s.joinAll('only-room', ['alice', 'bob'])
      for (const [peer, userId] of [[0, 'carol'], [1, 'dave']] as const) {
        const { client, first } = await s.attempt(userId, 'second-room', { peer })
        expect(first).toEqual({ type: 'error', data: { code: 'rooms_exhausted', error: expect.any(String) }, timestamp: any })
        expect((await client.waitClose()).code).toBe(1013)
      }
      for (const r of await s.apiAll('/api/rooms/second-room')) expect(r.status).toBe(404)
      alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } })
      expect(await bob.next()).toMatchObject({ type: 'ice-candidate', from: 'alice' })
      const { client: erin } = await s.join('erin', 'only-room', { peer: 1 })
      for (const c of [alice, bob]) expect(await c.next()).toMatchObject({ type: 'peer-joined', userId: 'erin' })
      await expectQuiet({ alice, bob, erin })
      for (const c of [alice, bob, erin]) await c.close()
    })
  })
}
