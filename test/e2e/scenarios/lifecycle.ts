/** @module Peer lifecycle: heartbeat, idle expiry, leaving and closing (with and without a reconnect grace), shutdown. */
import { describe, expect, it } from 'vitest'
import { expectQuiet, nextFrame } from '../support/sentinels.js'
import { ofType, peerLeft } from '../support/scenario.js'
import { authFrame, deploy, itWith, members } from '../support/stage.js'
import type { Target } from '../support/target.js'

const any = expect.any(Number)

export function lifecycleScenarios(target: Target) {
  describe('heartbeat and idle peers (PEER_HEARTBEAT_TIMEOUT=1500)', () => {
    const s = deploy(target, { PEER_HEARTBEAT_TIMEOUT: '1500', CLEANUP_INTERVAL: '100' })

    it('answers a heartbeat frame with type heartbeat', async () => {
      const { alice } = await s.joinAll('hb', ['alice'])
      alice.send({ type: 'heartbeat', timestamp: Date.now() })
      expect(await alice.next()).toEqual({ type: 'heartbeat', roomId: 'hb', userId: 'alice', data: { status: 'ok' }, timestamp: any })
      await alice.close()
    })

    it('closes a silent peer with idle_timeout then 4010, and every other peer gets peer-left timeout exactly once', async () => {
      // Taken before the join, so it is no later than the server's last sight of the silent peer.
      const lastFrameAt = Date.now()
      const room = await s.joinAll('idle', ['wa', 'silent', 'wb'])
      const { silent, ...watchers } = room
      const beat = setInterval(() => Object.values(watchers).forEach((c) => c.send({ type: 'heartbeat' })), 250)
      try {
        expect(await silent.next(undefined, 5000)).toMatchObject({ type: 'error', data: { code: 'idle_timeout' } })
        expect((await silent.waitClose()).code).toBe(4010)
        expect(Date.now() - lastFrameAt).toBeGreaterThanOrEqual(1500)
        for (const c of Object.values(watchers)) expect(await nextFrame(c)).toEqual(peerLeft('idle', 'silent', 'timeout'))
        await s.cleanup()
        await expectQuiet(watchers)
        for (const c of Object.values(watchers)) expect(c.closed).toBeNull()
        for (let peer = 0; peer < s.instances; peer++) expect(await members(s, 'idle', peer)).toEqual(['wa', 'wb'])
      } finally {
        clearInterval(beat)
      }
      for (const c of Object.values(watchers)) await c.close()
    })
  })

  describe('leaving and closing', () => {
    const s = deploy(target)

    it('acknowledges leave-room, closes with 1000 and announces reason left exactly once', async () => {
      const { watcher, alice, carol } = await s.joinAll('leave', ['watcher', 'alice', 'carol'])
      alice.send({ type: 'leave-room' })
      expect(await alice.next()).toEqual({ type: 'leave-room', roomId: 'leave', userId: 'alice', data: { status: 'left' }, timestamp: any })
      expect((await alice.waitClose()).code).toBe(1000)
      for (const c of [watcher, carol]) expect(await c.next()).toEqual(peerLeft('leave', 'alice', 'left'))
      await s.cleanup()
      await expectQuiet({ watcher, carol })
      for (let peer = 0; peer < s.instances; peer++) expect(await members(s, 'leave', peer)).toEqual(['carol', 'watcher'])
      await watcher.close()
      await carol.close()
    })

    // A closing handshake started by the client is a departure, whatever its code (1005: no status sent).
    for (const code of [1000, 1001, 4000, undefined]) {
      it(`announces a client close with code ${code ?? 'none (1005)'} at once and exactly once, reason disconnected`, async () => {
        const room = `plain-${code ?? 'none'}`
        const { watcher, alice, carol } = await s.joinAll(room, ['watcher', 'alice', 'carol'])
        await alice.close(code)
        for (const c of [watcher, carol]) expect(await c.next()).toEqual(peerLeft(room, 'alice', 'disconnected'))
        await s.cleanup()
        await expectQuiet({ watcher, carol })
        for (let peer = 0; peer < s.instances; peer++) expect(await members(s, room, peer)).toEqual(['carol', 'watcher'])
        await watcher.close()
        await carol.close()
      })
    }

    it('processes frames sent right after auth, before its reply, after the join', async () => {
      const { watcher } = await s.joinAll('eager', ['watcher'])
      const eager = await s.open(1, { room: 'eager' })
      eager.send(authFrame(await s.token('eager', 'eager', { peer: 1 })))
      eager.send({ type: 'sdp-offer', targetUserId: 'watcher', data: { type: 'offer', sdp: 'v=0' } })
      eager.send({ type: 'heartbeat' })
      expect((await eager.next()).type).toBe('auth')
      expect((await eager.next()).type).toBe('heartbeat')
      expect((await watcher.next()).type).toBe('peer-joined')
      expect(await watcher.next()).toMatchObject({ type: 'sdp-offer', from: 'eager' })
      await eager.close()
      await watcher.close()
    })

    // Last: it stops the deployment (or its first instance).
    describe('graceful shutdown', () => {
      itWith(target, 'drain')('closes every client of the draining instance with draining then 1001, joined or not; its peers are not announced to each other', async () => {
        const room = await s.joinAll('shutdown', ['alice', 'bob', 'carol'])
        const pending = await s.open(0, { room: 'shutdown' })
        // With several instances the drained one is instance 0: alice and carol (and pending) go, bob stays.
        const going = s.instances > 1 ? { alice: room.alice, carol: room.carol } : room
        const staying = s.instances > 1 ? { bob: room.bob } : {}
        const closes = Promise.all([...Object.values(going), pending].map((c) => c.waitClose(10_000)))
        await s.drain(0)
        expect((await closes).map((c) => c.code)).toEqual([...Object.values(going), pending].map(() => 1001))
        for (const c of Object.values(going)) {
          expect(ofType(c.frames, 'error').map((f) => f.data?.code)).toEqual(['draining'])
          expect(ofType(c.frames, 'peer-left')).toEqual([])
        }
        // Peers on other instances are told, once each, with reason draining.
        for (const c of Object.values(staying)) {
          const left = [await nextFrame(c), await nextFrame(c)]
          expect(left.map((f) => f.userId).sort()).toEqual(['alice', 'carol'])
          for (const f of left) expect(f).toEqual(peerLeft('shutdown', f.userId!, 'draining'))
          await expectQuiet({ bob: c })
        }
      })
    })
  })

  describe('abrupt disconnects without a reconnect grace (RECONNECT_GRACE=0)', () => {
    const s = deploy(target, { RECONNECT_GRACE: '0' })

    it('offers no resume: the auth reply has resumeToken null, reconnectGraceMs 0 and resumed false', async () => {
      const { alice } = await s.joinAll('no-resume', ['alice'])
      expect(alice.frames[0]!.data).toMatchObject({ status: 'authenticated', resumeToken: null, reconnectGraceMs: 0, resumed: false })
      await alice.close()
    })

    it('announces a socket dropped without a closing handshake at once, reason disconnected, exactly once', async () => {
      const { watcher, alice, carol } = await s.joinAll('dropped', ['watcher', 'alice', 'carol'])
      alice.ws.terminate()
      for (const c of [watcher, carol]) expect(await c.next()).toEqual(peerLeft('dropped', 'alice', 'disconnected'))
      await s.cleanup()
      await expectQuiet({ watcher, carol })
      await watcher.close()
      await carol.close()
    })
  })
}
