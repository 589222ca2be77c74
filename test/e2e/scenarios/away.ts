/**
 * @module Reconnect grace (spec v2), the other outcomes: a dropped socket that never comes back leaves once after the
 * grace, and a resume token that cannot be used (used, garbled, another user's or room's, expired) is a normal join.
 */
import { describe, expect, it } from 'vitest'
import { expectQuiet, nextFrame } from '../support/sentinels.js'
import { peerLeft } from '../support/scenario.js'
import { audited, awayCount, GRACE, replyOf, resumeTokenOf, sessionCounts } from '../support/sessions.js'
import type { TestClient } from '../../helpers/ws-client.js'
import { members, userIds, type Stage } from '../support/stage.js'

/** Every watcher's next frames are alice's replacement: peer-left replaced, then peer-joined replaced, and nothing else. */
async function expectReplaced(s: Stage, room: string, watchers: Record<string, TestClient>, newcomer: TestClient) {
  for (const c of Object.values(watchers)) {
    expect(await nextFrame(c)).toEqual(peerLeft(room, 'alice', 'replaced'))
    expect(await nextFrame(c)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { userId: 'alice', replaced: true } })
  }
  await s.cleanup()
  await expectQuiet({ ...watchers, newcomer })
}

/** `s` runs with RECONNECT_GRACE=GRACE. */
export function awayScenarios(s: Stage) {
  describe('away peers and unusable resume tokens', () => {
    it('keeps a dropped peer listed and unannounced for the grace, then tells every other peer once: peer-left disconnected', async () => {
      const { alice, bob, carol } = await s.joinAll('expiry', ['alice', 'bob', 'carol'])
      const before = await sessionCounts(s)
      const droppedAt = Date.now()
      alice.ws.terminate()
      await awayCount(s, 1)
      for (let i = 0; i < s.instances; i++) expect(await members(s, 'expiry', i)).toEqual(['alice', 'bob', 'carol'])
      for (const c of [bob, carol]) {
        expect(await nextFrame(c, GRACE + 5000)).toEqual(peerLeft('expiry', 'alice', 'disconnected'))
        expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(GRACE)
      }
      await awayCount(s, 0)
      await s.cleanup()
      await expectQuiet({ bob, carol })
      for (let i = 0; i < s.instances; i++) expect(await members(s, 'expiry', i)).toEqual(['bob', 'carol'])
      expect(await sessionCounts(s)).toEqual({ ...before, expired: before.expired + 1 })
      await audited(s, 'resume_expired', 'alice', 'expiry')
      await bob.close()
      await carol.close()
    })

    it('treats a garbled resume token as a normal join: a replacement, no error frame, no close', async () => {
      const { bob, carol, alice } = await s.joinAll('garbled', ['bob', 'carol', 'alice'])
      const real = resumeTokenOf(alice)
      // One character changed mid-token. Not the last one: in base64url its low bits may be padding, so changing it
      // can leave the decoded bytes (and a signature over them) intact.
      const at = real[Math.floor(real.length / 2)] === '.' ? Math.floor(real.length / 2) + 1 : Math.floor(real.length / 2)
      const flipped = `${real.slice(0, at)}${real[at] === 'A' ? 'B' : 'A'}${real.slice(at + 1)}`
      const before = await sessionCounts(s)
      let current = alice
      for (const [i, resumeToken] of [flipped, 'not-a-resume-token'].entries()) {
        const { client, reply } = await s.join('alice', 'garbled', { peer: 3 + i, resumeToken })
        expect(reply.data?.resumed).toBe(false)
        expect((await current.waitClose()).code).toBe(4009)
        await expectReplaced(s, 'garbled', { bob, carol }, client)
        current = client
      }
      expect(await sessionCounts(s)).toEqual({ ...before, replaced: before.replaced + 2 })
      await audited(s, 'replace', 'alice', 'garbled')
      for (const c of [bob, carol, current]) await c.close()
    })

    it('treats a used resume token as a normal join: the resumed socket is replaced', async () => {
      const { bob, alice } = await s.joinAll('used', ['bob', 'alice'])
      const first = resumeTokenOf(alice)
      alice.ws.terminate()
      await awayCount(s, 1)
      const { client: back, reply } = await s.join('alice', 'used', { peer: 1, resumeToken: first })
      expect(reply.data?.resumed).toBe(true)
      const { client: again, reply: refused } = await s.join('alice', 'used', { peer: 2, resumeToken: first })
      expect(refused.data?.resumed).toBe(false)
      expect((await back.waitClose()).code).toBe(4009)
      await expectReplaced(s, 'used', { bob }, again)
      await bob.close()
      await again.close()
    })

    it('treats another user`s resume token as a normal join for the token`s holder: that user is untouched', async () => {
      const { bob, alice } = await s.joinAll('other-user', ['bob', 'alice'])
      const { client: alice2, reply } = await s.join('alice', 'other-user', { peer: 2, resumeToken: resumeTokenOf(bob) })
      expect(reply.data?.resumed).toBe(false)
      expect(userIds(reply.data?.peers)).toEqual(['bob'])
      expect((await alice.waitClose()).code).toBe(4009)
      await expectReplaced(s, 'other-user', { bob }, alice2)
      expect(bob.closed).toBeNull()
      await bob.close()
      await alice2.close()
    })

    it('treats a resume token of another room as a normal join there; the away peer of the first room expires', async () => {
      const { bob, alice } = await s.joinAll('home', ['bob', 'alice'])
      const { zed } = await s.joinAll('elsewhere', ['zed'])
      alice.ws.terminate()
      await awayCount(s, 1)
      const { client: visitor, reply } = await s.join('alice', 'elsewhere', { peer: 1, resumeToken: resumeTokenOf(alice) })
      expect(reply.data).toMatchObject({ resumed: false, peers: [{ userId: 'zed' }] })
      expect(await nextFrame(zed)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { replaced: false } })
      expect(await nextFrame(bob, GRACE + 5000)).toEqual(peerLeft('home', 'alice', 'disconnected'))
      await expectQuiet({ bob })
      await expectQuiet({ zed, visitor })
      for (const c of [bob, zed, visitor]) await c.close()
    })

    it('treats a resume token whose grace has passed as a plain join: peer-joined, not a replacement', async () => {
      const { bob, alice } = await s.joinAll('late', ['bob', 'alice'])
      alice.ws.terminate()
      expect(await nextFrame(bob, GRACE + 5000)).toEqual(peerLeft('late', 'alice', 'disconnected'))
      const { client: late, reply } = await s.join('alice', 'late', { peer: 2, resumeToken: resumeTokenOf(alice) })
      expect(reply.data).toMatchObject({ resumed: false, peers: [{ userId: 'bob' }] })
      expect(await nextFrame(bob)).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { replaced: false } })
      await s.cleanup()
      await expectQuiet({ bob, late })
      expect(replyOf(late).data?.resumeToken).not.toBe(resumeTokenOf(alice))
      await bob.close()
      await late.close()
    })
  })
}
