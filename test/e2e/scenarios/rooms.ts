/** @module Room lifecycle: empty rooms kept for a grace, inactive rooms closed, and nothing left behind by churn. */
import { describe, expect, it } from 'vitest'
import type { TestClient } from '../../helpers/ws-client.js'
import { expectQuiet } from '../support/sentinels.js'
import { ofType, until } from '../support/scenario.js'
import { authFrame, deploy, type Stage } from '../support/stage.js'
import type { Target } from '../support/target.js'

const any = expect.any(Number)

/** Waits until no instance holds a socket, a local peer or a room with peers. */
async function nothingLeft(s: Stage) {
  const clean = async () => {
    for (const stats of await s.apiAll('/api/stats')) if (stats.body.server.connections !== 0) return false
    for (const list of await s.apiAll('/api/rooms')) if (!list.body.rooms.every((r: { peerCount: number }) => r.peerCount === 0)) return false
    return true
  }
  await until(clean, 'no socket, peer or non-empty room is left')
}

export function roomScenarios(target: Target) {
  describe('room lifetime (ROOM_EMPTY_GRACE=1000, ROOM_INACTIVITY_TIMEOUT=1500)', () => {
    const s = deploy(target, { ROOM_EMPTY_GRACE: '1000', ROOM_INACTIVITY_TIMEOUT: '1500', CLEANUP_INTERVAL: '100' })

    it('lists an empty room during ROOM_EMPTY_GRACE on every instance, then deletes it', async () => {
      const { alice, bob } = await s.joinAll('ephemeral', ['alice', 'bob'])
      await alice.close()
      const leftAt = Date.now()
      await bob.close()
      for (let peer = 0; peer < s.instances; peer++) {
        await until(async () => {
          const r = await s.api('/api/rooms/ephemeral', undefined, peer)
          return r.status === 200 && r.body.peerCount === 0 && r.body.peers.length === 0
        }, 'the room listed empty during the grace', 1000)
      }
      for (let peer = 0; peer < s.instances; peer++) {
        await until(async () => (await s.api('/api/rooms/ephemeral', undefined, peer)).status === 404, 'the empty room is deleted')
      }
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(1000)
      for (const list of await s.apiAll('/api/rooms')) expect(list.body.rooms.map((r: { roomId: string }) => r.roomId)).not.toContain('ephemeral')
    })

    it('keeps a room whose peer rejoins within the grace, on another instance', async () => {
      const { carol } = await s.joinAll('comeback', ['carol'])
      const createdAt = (await s.api('/api/rooms/comeback', undefined, 1)).body.createdAt
      await carol.close()
      await until(async () => (await s.api('/api/rooms/comeback')).body.peerCount === 0, 'carol gone')
      const { client: back } = await s.join('carol', 'comeback', { peer: 1 })
      expect((await s.api('/api/rooms/comeback')).body).toMatchObject({ createdAt, peerCount: 1 })
      await expectQuiet({ back })
      await back.close()
    })

    it('closes an inactive room: every peer gets room-closed, then close 4011, and no peer-left', async () => {
      const early = await s.joinAll('stale', ['alice', 'bob'])
      // Taken before the last join, which is the room's last activity.
      const quietSince = Date.now()
      const { carol } = await s.joinAll('stale', ['carol'], { from: 2 })
      for (const c of Object.values(early)) expect(await c.next()).toMatchObject({ type: 'peer-joined', userId: 'carol' })
      for (const c of [early.alice, early.bob, carol] as TestClient[]) {
        expect(await c.next(undefined, 5000)).toEqual({ type: 'room-closed', roomId: 'stale', data: { reason: 'inactive' }, timestamp: any })
        expect(await c.next()).toMatchObject({ type: 'error', data: { code: 'room_closed' } })
        expect((await c.waitClose()).code).toBe(4011)
        // A room that is gone tells nobody that its peers left one by one.
        expect(ofType(c.frames, 'peer-left')).toEqual([])
      }
      expect(Date.now() - quietSince).toBeGreaterThanOrEqual(1500)
      for (const r of await s.apiAll('/api/rooms/stale')) expect(r.status).toBe(404)
    })

    it('leaves no socket, peer or room behind after sockets close at every stage', async () => {
      const closes: Promise<unknown>[] = []
      for (let i = 0; i < 10; i++) {
        // Room tokens are single-use: the racing socket and the join each get their own.
        const [racingToken, token] = [await s.token(`u${i}`, `churn-${i % 3}`, { peer: i }), await s.token(`u${i}`, `churn-${i % 3}`, { peer: i })]
        // Closed before auth, right after sending auth, and after the reply.
        const early = await s.open(i, { room: `churn-${i % 3}` })
        closes.push(early.close())
        const racing = await s.open(i + 1, { room: `churn-${i % 3}` })
        racing.send(authFrame(racingToken))
        // Closed before the user's real join starts: a racing join that the other instance finished after the real
        // one would replace it (a newer connection of the same user), which is the protocol, not a leak.
        await racing.close()
        const { client } = await s.join(`u${i}`, `churn-${i % 3}`, { token, peer: i })
        closes.push(client.close())
      }
      await Promise.all(closes)
      // A join racing its own close may finish just after it, then undo itself: wait for the end state.
      await nothingLeft(s)
      // Each room goes once ROOM_EMPTY_GRACE has passed.
      await until(async () => (await s.apiAll('/api/rooms')).every((list) => list.body.rooms.every((r: { roomId: string }) => !r.roomId.startsWith('churn-'))), 'the churned rooms are deleted')
    })
  })

}
