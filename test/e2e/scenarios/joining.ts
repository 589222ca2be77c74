/** @module The same user joining again: the new socket replaces the old one, and the room is told once, in order. */
import { describe, expect, it } from 'vitest'
import { expectQuiet, nextFrame } from '../support/sentinels.js'
import { peerLeft, presence } from '../support/scenario.js'
import { members, userIds, type Stage } from '../support/stage.js'

export function joiningScenarios(s: Stage) {
  describe('same user joins again', () => {
    it('closes the old socket with replaced then 4009; the others get peer-left replaced, then peer-joined replaced, once each', async () => {
      const { watcher, other, alice } = await s.joinAll('replace', ['watcher', 'other', 'alice'])
      // alice was peer 2; her new socket is peer 3, on the other instance when there are two.
      const { client: alice2, reply } = await s.join('alice', 'replace', { peer: 3 })
      expect(userIds(reply.data?.peers).sort()).toEqual(['other', 'watcher'])
      expect(reply.data?.resumed).toBe(false)
      expect((await alice.waitClose()).code).toBe(4009)
      expect(alice.frames.at(-1)).toMatchObject({ type: 'error', data: { code: 'replaced' } })
      for (const c of [watcher, other]) {
        expect(await nextFrame(c)).toEqual(peerLeft('replace', 'alice', 'replaced'))
        expect(await nextFrame(c)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { userId: 'alice', replaced: true } })
      }
      await s.cleanup()
      await expectQuiet({ watcher, other, alice2 })
      // The old socket saw neither its own replacement nor anything after it.
      expect(presence(alice.frames)).toEqual([])
      for (let peer = 0; peer < s.instances; peer++) expect(await members(s, 'replace', peer)).toEqual(['alice', 'other', 'watcher'])
      // Signals reach the new socket.
      watcher.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0' } })
      expect(await alice2.next()).toMatchObject({ type: 'sdp-offer', from: 'watcher' })

      await alice2.close()
      for (const c of [watcher, other]) expect(await nextFrame(c)).toEqual(peerLeft('replace', 'alice', 'disconnected'))
      await s.cleanup()
      await expectQuiet({ watcher, other })
      for (let peer = 0; peer < s.instances; peer++) expect(await members(s, 'replace', peer)).toEqual(['other', 'watcher'])
      await watcher.close()
      await other.close()
    })

    it('replaces a user whose socket dropped (away) when the new socket brings no resume token', async () => {
      const { watcher, other, alice } = await s.joinAll('replace-away', ['watcher', 'other', 'alice'])
      alice.ws.terminate()
      const { client: alice2, reply } = await s.join('alice', 'replace-away', { peer: 3 })
      expect(reply.data?.resumed).toBe(false)
      for (const c of [watcher, other]) {
        expect(await nextFrame(c)).toEqual(peerLeft('replace-away', 'alice', 'replaced'))
        expect(await nextFrame(c)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { replaced: true } })
      }
      await s.cleanup()
      await expectQuiet({ watcher, other, alice2 })
      for (const c of [watcher, other, alice2]) await c.close()
    })
  })
}
