/**
 * @module Reconnect grace (spec v2): a socket that drops without a closing handshake stays in the room, away; a new
 * socket with the resume token takes its place within the grace, gets what was kept for it, and nobody is told.
 */
import { describe, expect, it } from 'vitest'
import type { Frame } from '../../helpers/ws-client.js'
import { startTcpProxy } from '../../helpers/tcp-proxy.js'
import { expectQuiet } from '../support/sentinels.js'
import { elapse, fakeCandidate, fakeSdp, presence } from '../support/scenario.js'
import { audited, awayCount, comebackPlaces, GRACE, replyOf, resumeTokenOf, sessionCounts } from '../support/sessions.js'
import { members, roomPath, userIds, type Stage } from '../support/stage.js'

const any = expect.any(Number)

/** `s` runs with RECONNECT_GRACE=GRACE and a MESSAGE_BURST of at least 260. */
export function resumeScenarios(s: Stage) {
  describe('resume within the grace', () => {
    it('puts a resume token, the grace and resumed: false in every auth reply', async () => {
      const { alice, bob } = await s.joinAll('fields', ['alice', 'bob'])
      for (const c of [alice, bob]) {
        expect(replyOf(c).data).toMatchObject({ status: 'authenticated', resumeToken: expect.any(String), reconnectGraceMs: GRACE, resumed: false })
        expect(resumeTokenOf(c).length).toBeGreaterThan(0)
      }
      expect(resumeTokenOf(alice)).not.toBe(resumeTokenOf(bob))
      await alice.close()
      await bob.close()
    })

    for (const [where, peer] of comebackPlaces(s.target)) {
      it(`resumes a dropped socket on ${where}: the peers, then the kept signals in relay order, and nothing announced`, async () => {
        const room = `resume-${peer}`
        const { alice, bob, carol } = await s.joinAll(room, ['alice', 'bob', 'carol'])
        const before = await sessionCounts(s)
        const droppedAt = Date.now()
        alice.ws.terminate()
        await awayCount(s, 1)
        for (let i = 0; i < s.instances; i++) expect(await members(s, room, i)).toEqual(['alice', 'bob', 'carol'])

        const offer = { type: 'offer', sdp: fakeSdp('bob', 'offer') }
        bob.send({ type: 'sdp-offer', targetUserId: 'alice', data: offer })
        carol.send({ type: 'ice-candidate', targetUserId: 'alice', data: { candidate: fakeCandidate('carol', 0) } })
        bob.send({ type: 'ice-candidate', data: { candidate: fakeCandidate('bob', 1) } })
        const broadcast = await carol.next()
        expect(broadcast).toMatchObject({ type: 'ice-candidate', from: 'bob', data: { candidate: fakeCandidate('bob', 1) } })
        // Kept, not refused: no peer_not_found for either sender.
        expect(await bob.sync()).toEqual([])
        expect(await carol.sync()).toEqual([])

        const { client: back, reply } = await s.join('alice', room, { peer, resumeToken: resumeTokenOf(alice) })
        expect(reply.data).toMatchObject({ resumed: true, reconnectGraceMs: GRACE, resumeToken: expect.any(String) })
        expect(reply.data?.resumeToken).not.toBe(resumeTokenOf(alice))
        expect(userIds(reply.data?.peers).sort()).toEqual(['bob', 'carol'])
        const kept: Frame[] = [await back.next(), await back.next(), await back.next()]
        // Each sender's frames in the order relayed, as they would have arrived, with their original timestamps.
        expect(kept.filter((f) => f.from === 'bob')).toEqual([
          { type: 'sdp-offer', roomId: room, userId: 'bob', from: 'bob', targetUserId: 'alice', data: offer, timestamp: any },
          broadcast,
        ])
        expect(kept.filter((f) => f.from === 'carol')).toEqual([
          { type: 'ice-candidate', roomId: room, userId: 'carol', from: 'carol', targetUserId: 'alice', data: { candidate: fakeCandidate('carol', 0) }, timestamp: any },
        ])
        for (const f of kept) expect(f.timestamp).toBeGreaterThanOrEqual(droppedAt)
        for (const f of kept) expect(f.timestamp).toBeLessThanOrEqual(reply.timestamp!)

        await expectQuiet({ back, bob, carol })
        expect(await sessionCounts(s)).toEqual({ ...before, resumed: before.resumed + 1 })
        await audited(s, 'resume', 'alice', room)
        await awayCount(s, 0)
        // Not after the grace either.
        await elapse(GRACE + 300)
        await s.cleanup()
        await expectQuiet({ back, bob, carol })
        // All the presence they ever saw: carol joining (seen by bob).
        expect(presence(bob.frames).map((f) => [f.type, f.userId])).toEqual([['peer-joined', 'carol']])
        expect(presence(carol.frames)).toEqual([])
        for (let i = 0; i < s.instances; i++) expect(await members(s, room, i)).toEqual(['alice', 'bob', 'carol'])
        for (const c of [back, bob, carol]) await c.close()
      })
    }

    it('holds a resumed socket that drops again right after its reply: away again, and a second resume works', async () => {
      const { bob, alice } = await s.joinAll('drop-twice', ['bob', 'alice'])
      alice.ws.terminate()
      await awayCount(s, 1)
      const { client: back, reply } = await s.join('alice', 'drop-twice', { peer: 1, resumeToken: resumeTokenOf(alice) })
      expect(reply.data?.resumed).toBe(true)
      back.ws.terminate()
      await awayCount(s, 1)
      const { client: again, reply: second } = await s.join('alice', 'drop-twice', { peer: 2, resumeToken: resumeTokenOf(back) })
      expect(second.data?.resumed).toBe(true)
      await s.cleanup()
      await expectQuiet({ bob, again })
      expect(presence(bob.frames).map((f) => [f.type, f.userId])).toEqual([['peer-joined', 'alice']])
      await bob.close()
      await again.close()
    })

    it('resumes over a socket the server still thinks open: the old one gets replaced then 4009, and nobody is told', async () => {
      const { alice, bob, carol } = await s.joinAll('resume-open', ['alice', 'bob', 'carol'])
      const { client: back, reply } = await s.join('alice', 'resume-open', { peer: 3, resumeToken: resumeTokenOf(alice) })
      expect(reply.data).toMatchObject({ resumed: true })
      expect(userIds(reply.data?.peers).sort()).toEqual(['bob', 'carol'])
      expect((await alice.waitClose()).code).toBe(4009)
      expect(alice.frames.at(-1)).toMatchObject({ type: 'error', data: { code: 'replaced' } })
      await s.cleanup()
      await expectQuiet({ back, bob, carol })
      for (const c of [back, bob, carol]) await c.close()
    })

    it('keeps at most 256 frames for an away peer: each one past that gets the sender relay_failed; the first 256 arrive', async () => {
      const { alice, bob } = await s.joinAll('cap-frames', ['alice', 'bob'])
      alice.ws.terminate()
      await awayCount(s, 1)
      for (let i = 0; i < 260; i++) bob.send({ type: 'ice-candidate', targetUserId: 'alice', data: { candidate: `seq:${i}` } })
      for (let i = 0; i < 4; i++) expect(await bob.next()).toMatchObject({ type: 'error', data: { code: 'relay_failed' } })
      const { client: back } = await s.join('alice', 'cap-frames', { peer: 0, resumeToken: resumeTokenOf(alice) })
      const kept: Frame[] = []
      while (kept.length < 256) kept.push(await back.next())
      expect(kept.map((f) => f.data?.candidate)).toEqual(Array.from({ length: 256 }, (_, i) => `seq:${i}`))
      await expectQuiet({ back, bob })
      await back.close()
      await bob.close()
    })

    it('keeps at most 256 KiB for an away peer: the offer that would pass it gets the sender relay_failed', async () => {
      const { alice, bob } = await s.joinAll('cap-bytes', ['alice', 'bob'])
      alice.ws.terminate()
      await awayCount(s, 1)
      // About 60 KB each: four fit in 256 KiB, the fifth does not.
      const sdp = (i: number) => `${i}`.padEnd(60_000, 'x')
      for (let i = 0; i < 5; i++) bob.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: sdp(i) } })
      expect(await bob.next()).toMatchObject({ type: 'error', data: { code: 'relay_failed' } })
      const { client: back } = await s.join('alice', 'cap-bytes', { peer: 1, resumeToken: resumeTokenOf(alice) })
      const kept: Frame[] = []
      while (kept.length < 4) kept.push(await back.next())
      expect(kept.map((f) => f.data?.sdp)).toEqual([0, 1, 2, 3].map(sdp))
      await expectQuiet({ back, bob })
      await back.close()
      await bob.close()
    })

    it('survives a network cut: the client resumes through the same proxy, the other client sees nothing, its offer arrives after the reply', async () => {
      const proxy = await startTcpProxy(s.port(0))
      try {
        const url = `ws://127.0.0.1:${proxy.port}${roomPath('cut')}`
        const { client: alice } = await s.join('alice', 'cut', { peer: 0, url })
        const { client: bob } = await s.join('bob', 'cut', { peer: 1 })
        expect(await alice.next()).toMatchObject({ type: 'peer-joined', userId: 'bob' })
        proxy.cut()
        expect((await alice.waitClose()).code).toBe(1006)
        await awayCount(s, 1)
        const offer = { type: 'offer', sdp: fakeSdp('bob', 'offer') }
        bob.send({ type: 'sdp-offer', targetUserId: 'alice', data: offer })
        expect(await bob.sync()).toEqual([])

        const { client: back, reply } = await s.join('alice', 'cut', { peer: 0, url, resumeToken: resumeTokenOf(alice) })
        expect(reply.data).toMatchObject({ resumed: true })
        expect(userIds(reply.data?.peers)).toEqual(['bob'])
        expect(await back.next()).toEqual({ type: 'sdp-offer', roomId: 'cut', userId: 'bob', from: 'bob', targetUserId: 'alice', data: offer, timestamp: any })
        await expectQuiet({ back, bob })
        // bob's whole session: his auth reply and the sentinel, nothing about alice.
        expect(presence(bob.frames)).toEqual([])
        await back.close()
        await bob.close()
      } finally {
        await proxy.close()
      }
    })
  })
}
