/** @module The seed README's "Step 2" WebSocket example, on every place a client may connect. */
import { describe, expect, it } from 'vitest'
import type { Frame, TestClient } from '../../helpers/ws-client.js'
import { expectQuiet } from '../support/sentinels.js'
import { peerLeft, until } from '../support/scenario.js'
import { deploy, itWith, members } from '../support/stage.js'
import type { Target } from '../support/target.js'

const any = expect.any(Number)
const DEFAULT_LIMITS = { maxMessageBytes: 65536, messagesPerSecond: 50, messageBurst: 200, maxPeersPerRoom: 16, heartbeatTimeoutMs: 300000 }

export function seedFlowScenarios(target: Target) {
  describe('seed README step 2', () => {
    const s = deploy(target, {}, { signalingPort: true })
    const itWithSignalingPort = itWith(target, 'signalingPort')

    /** The seed's client, verbatim in spirit: open, send auth on 'open', look at the first frame. */
    async function seedClient(url: string, userId: string, roomId: string, token: string): Promise<{ client: TestClient; message: Frame }> {
      const client = await s.open(0, { url })
      client.send({ type: 'auth', userId, roomId, data: { token }, timestamp: Date.now() })
      return { client, message: await client.next() }
    }

    /** The seed's flow for two peers of doc-123 on the URL `url` gives for each. */
    async function twoPeers(url: (peer: number) => string) {
      const aliceToken = await s.token('alice', 'doc-123', { peer: 0, userName: 'Alice' })
      const { client: alice, message } = await seedClient(url(0), 'alice', 'doc-123', aliceToken)
      expect(message.type === 'auth' && message.data?.status === 'authenticated').toBe(true)
      expect(message).toMatchObject({ type: 'auth', userId: 'alice', roomId: 'doc-123', timestamp: any })
      expect(message.data).toMatchObject({ status: 'authenticated', userName: 'Alice', peers: [], connectionId: expect.any(String), tokenExpiresAt: any, limits: DEFAULT_LIMITS })

      const { client: bob, message: bobMessage } = await seedClient(url(1), 'bob', 'doc-123', await s.token('bob', 'doc-123', { peer: 1 }))
      expect(bobMessage.data?.status).toBe('authenticated')
      expect(bobMessage.data?.peers).toEqual([{ userId: 'alice', userName: 'Alice', joinedAt: any, nameVerified: true }])
      expect(await alice.next()).toEqual({
        type: 'peer-joined',
        roomId: 'doc-123',
        userId: 'bob',
        data: { userId: 'bob', userName: 'bob', joinedAt: any, nameVerified: true, replaced: false },
        timestamp: any,
      })
      alice.send({ type: 'heartbeat', timestamp: Date.now() })
      expect(await alice.next()).toEqual({ type: 'heartbeat', roomId: 'doc-123', userId: 'alice', data: { status: 'ok' }, timestamp: any })
      bob.send({ type: 'sdp-offer', targetUserId: 'alice', from: 'mallory', userId: 'mallory', data: { type: 'offer', sdp: 'v=0' } })
      expect(await alice.next()).toEqual({ type: 'sdp-offer', roomId: 'doc-123', userId: 'bob', from: 'bob', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0' }, timestamp: any })
      await expectQuiet({ alice, bob })
      await bob.close()
      expect(await alice.next()).toEqual(peerLeft('doc-123', 'bob', 'disconnected'))
      await alice.close()
    }

    itWith(target, 'roomlessUrl')('authenticates on /ws with the peer list, announces the second peer, answers heartbeats and relays an offer', async () => {
      await twoPeers((peer) => s.ws(peer))
    })

    it('does the same with the room on the URL, as /ws?room=doc-123 and as /ws/doc-123', async () => {
      await twoPeers((peer) => s.ws(peer, '/ws?room=doc-123'))
      await until(async () => ((await members(s, 'doc-123')) ?? []).length === 0, 'doc-123 is empty again')
      await twoPeers((peer) => s.ws(peer, '/ws/doc-123'))
    })

    it('accepts the same flow on / of the main port (room on the URL)', async () => {
      for (let peer = 0; peer < s.instances; peer++) {
        const { client, message } = await seedClient(s.ws(peer, `/?room=doc-root-${peer}`), 'carol', `doc-root-${peer}`, await s.token('carol', `doc-root-${peer}`, { peer }))
        expect(message).toMatchObject({ type: 'auth', userId: 'carol', roomId: `doc-root-${peer}`, data: { status: 'authenticated', peers: [] } })
        await client.close()
      }
    })

    itWithSignalingPort('accepts the same flow on the SIGNALING_PORT listener at any path', async () => {
      expect(s.port(0)).not.toBe(Number(new URL(s.signalingWs(0)).port))
      for (const [peer, path] of ['', '/', '/ws', '/some/deep/path?x=1'].entries()) {
        const room = `doc-sig-${peer}`
        const { client, message } = await seedClient(s.signalingWs(peer, path), 'dave', room, await s.token('dave', room, { peer }))
        expect(message, path).toMatchObject({ type: 'auth', data: { status: 'authenticated', peers: [] } })
        await client.close()
      }
    })

    itWithSignalingPort('puts peers of both listeners in one room', async () => {
      const { client: erin } = await seedClient(s.ws(0), 'erin', 'doc-both', await s.token('erin', 'doc-both', { peer: 0 }))
      const { client: frank, message } = await seedClient(s.signalingWs(1), 'frank', 'doc-both', await s.token('frank', 'doc-both', { peer: 1 }))
      expect(message.data?.peers.map((p: { userId: string }) => p.userId)).toEqual(['erin'])
      expect((await erin.next('peer-joined')).userId).toBe('frank')
      frank.send({ type: 'sdp-offer', targetUserId: 'erin', data: { type: 'offer', sdp: 'v=0\r\n' } })
      expect(await erin.next('sdp-offer')).toMatchObject({ from: 'frank', userId: 'frank', targetUserId: 'erin' })
      await frank.close()
      await erin.close()
    })

    it('shows the same rooms, peers, totals and audit trail over HTTP on every instance', async () => {
      const { alice, bob } = await s.joinAll('listing', ['alice', 'bob'])
      const totals: unknown[] = []
      for (let peer = 0; peer < s.instances; peer++) {
        const list = await s.api('/api/rooms', undefined, peer)
        expect(list.body.rooms.find((r: { roomId: string }) => r.roomId === 'listing')).toMatchObject({ peerCount: 2, createdAt: any, lastActivity: any })
        expect(await members(s, 'listing', peer)).toEqual(['alice', 'bob'])
        const peers = await s.api('/api/rooms/listing/peers', undefined, peer)
        expect(peers.body).toMatchObject({ roomId: 'listing', count: 2 })
        const { activeRooms, totalPeers } = (await s.api('/api/stats', undefined, peer)).body.server
        totals.push({ activeRooms, totalPeers })
      }
      expect(new Set(totals.map((t) => JSON.stringify(t))).size).toBe(1)
      for (let peer = 0; peer < s.instances; peer++) {
        for (const userId of ['alice', 'bob']) {
          await until(async () => {
            const events = (await s.api('/api/audit?limit=1000', undefined, peer)).body.events as { event: string; userId: string; roomId: string }[]
            return events.some((e) => e.event === 'join' && e.userId === userId && e.roomId === 'listing')
          }, `${userId}'s join in the audit trail of instance ${peer}`)
        }
      }
      await alice.close()
      await bob.close()
    })

    itWithSignalingPort('serves only WebSocket upgrades on the SIGNALING_PORT listener', async () => {
      for (let peer = 0; peer < s.instances; peer++) {
        const base = s.signalingWs(peer).replace(/^ws:/, 'http:')
        for (const path of ['/api/health', '/']) {
          const res = await fetch(`${base}${path}`)
          expect(res.status, path).toBe(426)
          expect(await res.json()).toEqual({ code: 'upgrade_required', error: expect.any(String) })
        }
      }
    })
  })
}
