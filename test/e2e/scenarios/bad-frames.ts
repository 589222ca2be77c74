/** @module Hostile or broken frames from an authenticated peer: answered, counted, and never allowed to leak or crash. */
import { describe, expect, it } from 'vitest'
import { expectQuiet } from '../support/sentinels.js'
import { peerLeft } from '../support/scenario.js'
import { deploy, itWith } from '../support/stage.js'
import type { Target } from '../support/target.js'

const MAX_BYTES = 2048

export function badFrameScenarios(target: Target) {
  describe('bad frames after auth', () => {
    const s = deploy(target, { MAX_MESSAGE_BYTES: String(MAX_BYTES) })
    const pair = (room: string) => s.joinAll(room, ['alice', 'bob'])

    it('answers invalid JSON with invalid_message and keeps the socket usable', async () => {
      const { alice, bob } = await pair('bad-json')
      for (const raw of ['{', 'null', '[]', '"offer"', '42', '{"type":"sdp-offer","targetUserId":"bob","data":{"sdp":42}}']) {
        alice.send(raw)
        expect(await alice.next(), raw).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
      }
      alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'v=0\r\n' } })
      expect(await bob.next()).toMatchObject({ type: 'sdp-offer', from: 'alice' })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('closes with 4000 after 10 invalid frames in a row, and the others see it leave once', async () => {
      const { alice, bob, carol } = await s.joinAll('bad-streak', ['alice', 'bob', 'carol'])
      for (let i = 0; i < 10; i++) alice.send('{oops')
      for (let i = 0; i < 10; i++) expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
      expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'too_many_invalid' } })
      expect((await alice.waitClose()).code).toBe(4000)
      for (const c of [bob, carol]) expect(await c.next()).toEqual(peerLeft('bad-streak', 'alice', 'too_many_invalid'))
      await expectQuiet({ bob, carol })
      await bob.close()
      await carol.close()
    })

    it('resets the invalid streak on a valid frame', async () => {
      const { alice, bob } = await pair('bad-reset')
      for (let i = 0; i < 9; i++) alice.send('{oops')
      expect(await alice.sync()).toHaveLength(9)
      for (let i = 0; i < 9; i++) alice.send('{oops')
      expect(await alice.sync()).toHaveLength(9)
      expect(alice.closed).toBeNull()
      await alice.close()
      await bob.close()
    })

    it('answers unknown_type for types that are not ours, including inherited property names', async () => {
      const { alice, bob } = await pair('bad-type')
      const inherited = ['toString', '__proto__', 'constructor', 'hasOwnProperty']
      const types: unknown[] = [...inherited, 'peer-joined', 'error', 'chat', { toString: 'x' }, ['offer'], 42]
      for (const type of types) {
        alice.send(JSON.stringify({ type, targetUserId: 'bob', data: {} }))
        expect(await alice.next(), JSON.stringify(type)).toMatchObject({ type: 'error', data: { code: 'unknown_type' } })
        // A valid frame between the rejections keeps the invalid streak from closing the socket.
        expect(await alice.sync()).toEqual([])
      }
      alice.send('{"__proto__":{"type":"heartbeat"}}')
      expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'unknown_type' } })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('closes a frame bigger than MAX_MESSAGE_BYTES with 1009 and leaves the others working', async () => {
      const { alice, bob } = await pair('too-big')
      const { carol } = await s.joinAll('too-big-other', ['carol'])
      alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'x'.repeat(MAX_BYTES) } })
      expect((await alice.waitClose()).code).toBe(1009)
      // Only peer-left reached bob: the oversized offer was never relayed.
      expect(await bob.next()).toMatchObject({ type: 'peer-left', userId: 'alice' })
      await expectQuiet({ bob })
      await expectQuiet({ carol })
      await bob.close()
      await carol.close()
    })

    itWith(target, 'strictUtf8')('closes a text frame with invalid UTF-8 with 1007 and leaves the others working', async () => {
      const { alice, bob } = await pair('bad-utf8')
      alice.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false })
      expect((await alice.waitClose()).code).toBe(1007)
      expect(await bob.next()).toMatchObject({ type: 'peer-left', userId: 'alice' })
      await expectQuiet({ bob })
      await bob.close()
    })

    it('accepts a frame of exactly MAX_MESSAGE_BYTES', async () => {
      const { alice, bob } = await pair('just-fits')
      const shell = JSON.stringify({ type: 'sdp-offer', targetUserId: 'bob', data: { sdp: '' } })
      const frame = JSON.stringify({ type: 'sdp-offer', targetUserId: 'bob', data: { sdp: 'y'.repeat(MAX_BYTES - shell.length) } })
      expect(Buffer.byteLength(frame)).toBe(MAX_BYTES)
      alice.send(frame)
      expect((await bob.next()).data?.sdp).toHaveLength(MAX_BYTES - shell.length)
      await alice.close()
      await bob.close()
    })

    it('relays only schema fields from a prototype-pollution frame, and keeps validating afterwards', async () => {
      const { alice, bob } = await pair('pollution')
      alice.send(
        '{"type":"offer","to":"bob","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},' +
          '"data":{"type":"offer","sdp":"v=0","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}',
      )
      const got = await bob.next()
      expect(got).toEqual({
        type: 'offer',
        roomId: 'pollution',
        userId: 'alice',
        from: 'alice',
        targetUserId: 'bob',
        data: { type: 'offer', sdp: 'v=0' },
        timestamp: expect.any(Number),
      })
      expect(Object.keys(got.data!)).toEqual(['type', 'sdp'])
      alice.send({ type: 'ice', to: 'bob', data: { candidate: { candidate: 'c', __proto__: { polluted: 1 } } } })
      expect((await bob.next()).data).toEqual({ candidate: { candidate: 'c' } })
      // Had a prototype been polluted, a frame missing its fields would find them there and pass.
      alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: {} })
      expect(await alice.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('survives a deeply nested value inside data and relays only schema fields', async () => {
      const { alice, bob } = await pair('deep')
      const depth = Math.floor((MAX_BYTES - 100) / 2)
      alice.send(`{"type":"ice","to":"bob","data":{"candidate":null,"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`)
      expect((await bob.next()).data).toEqual({ candidate: null })
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })

    it('answers invalid_message for out-of-bounds fields and relays nothing', async () => {
      const { alice, bob } = await pair('bounds')
      const bad: unknown[] = [
        { type: 'sdp-offer', targetUserId: 'bob', data: {} },
        { type: 'sdp-offer', targetUserId: ['bob'], data: { sdp: 'v=0' } },
        { type: 'sdp-offer', targetUserId: 'b'.repeat(65), data: { sdp: 'v=0' } },
        { type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'c', sdpMLineIndex: -1 } },
        { type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'c', sdpMLineIndex: '0' } },
        '{"type":"ice-candidate","targetUserId":"bob","data":{"candidate":"c","sdpMLineIndex":1e309}}',
        { type: 'ice-candidate', targetUserId: 'bob', data: { candidate: 'c', sdpMid: 'm'.repeat(65) } },
      ]
      for (const frame of bad) {
        alice.send(frame)
        expect(await alice.next(), JSON.stringify(frame).slice(0, 80)).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
      }
      await expectQuiet({ alice, bob })
      await alice.close()
      await bob.close()
    })
  })
}
