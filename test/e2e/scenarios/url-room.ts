/** @module The room on the upgrade URL (`/ws?room=ID`, `/ws/ID`): it binds the socket, and a token for another room is refused. */
import { describe, expect, it } from 'vitest'
import { TestClient } from '../../helpers/ws-client.js'
import { expectQuiet } from '../support/sentinels.js'
import { deploy, authFrame, roomPath } from '../support/stage.js'
import type { Target } from '../support/target.js'

/** The status and JSON body an upgrade was refused with. */
async function refused(url: string): Promise<{ status: number; body: unknown }> {
  const err = (await TestClient.open(url).then(
    async (c) => {
      await c.close()
      throw new Error(`upgrade to ${url} was accepted`)
    },
    (e: unknown) => e,
  )) as { status?: number; body?: string }
  if (err.status === undefined) throw err
  return { status: err.status, body: JSON.parse(err.body ?? 'null') }
}

export function urlRoomScenarios(target: Target) {
  describe('the room on the URL', () => {
    const s = deploy(target)

    it('refuses a token for another room than the URL names with token_mismatch 4003, in either URL form; the room sees nobody', async () => {
      const { watcher } = await s.joinAll('doc-a', ['watcher'])
      for (const path of [roomPath('doc-a'), '/ws/doc-a']) {
        const client = await s.open(0, { url: s.ws(0, path) })
        client.send(authFrame(await s.token('mallory', 'doc-b')))
        expect(await client.next()).toMatchObject({ type: 'error', data: { code: 'token_mismatch' } })
        expect((await client.waitClose()).code).toBe(4003)
      }
      await expectQuiet({ watcher })
      await watcher.close()
    })

    it('keeps two rooms apart: a broadcast in one reaches nobody in the other', async () => {
      const a = await s.joinAll('iso-a', ['alice', 'bob'])
      const b = await s.joinAll('iso-b', ['carol'])
      a.alice.send({ type: 'ice-candidate', data: { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host', sdpMid: '0', sdpMLineIndex: 0 } })
      expect(await a.bob.next()).toMatchObject({ type: 'ice-candidate', from: 'alice', roomId: 'iso-a' })
      await expectQuiet({ carol: b.carol })
      for (const c of [a.alice, a.bob, b.carol]) await c.close()
    })

    it('refuses an invalid room, or two different rooms, on the URL with 400 invalid_room', async () => {
      for (const path of ['/ws?room=has%20space', '/ws?room=', '/ws/doc-a?room=doc-b', `/ws/${'x'.repeat(65)}`]) {
        expect(await refused(s.ws(0, path)), path).toEqual({ status: 400, body: { code: 'invalid_room', error: expect.any(String) } })
      }
    })
  })
}
