/**
 * @module Joining races that need the server's internals to set up (a gated store join, a held announcement), so they
 * run on Node in process only. What a client sees of joining on every target is in scenarios/sessions.ts.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryBackend, createMemoryState } from '../../src/storage/memory.js'
import type { Backend } from '../../src/storage/types.js'
import { startTestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'
import { gate, joinAll, settled } from './support/in-process.js'
import { presence, until } from './support/scenario.js'

describe('same user joins again', () => {
  it('keeps the newer socket when an older join of the same user completes after it', async () => {
    // The store answers alice's first join only after her second socket is in: the order two
    // concurrent joins can take on a networked store.
    const inner = createMemoryBackend({ instanceId: 'race' })
    const firstJoin = gate()
    let first = true
    const backend: Backend = {
      ...inner,
      rooms: {
        ...inner.rooms,
        async join(req) {
          const result = await inner.rooms.join(req)
          if (req.peer.userId === 'alice' && first) {
            first = false
            await firstJoin.hold()
          }
          return result
        },
      },
    }
    const server = await startTestServer({}, { backend, instanceId: 'race' })
    try {
      const { watcher } = await joinAll(server, 'race', ['watcher'])
      const older = await TestClient.open(server.ws)
      older.send({ type: 'auth', data: { token: await server.token('alice', 'race') } })
      await firstJoin.held
      const { client: newer } = await TestClient.join(server.ws, await server.token('alice', 'race'))
      // A replacement as spec v2 has it, although the watcher was never told of the older socket, whose join was
      // still in the store call: peer-left replaced, then peer-joined replaced.
      expect(await watcher.next()).toMatchObject({ type: 'peer-left', userId: 'alice', data: { reason: 'replaced' } })
      expect(await watcher.next()).toMatchObject({ type: 'peer-joined', userId: 'alice', data: { replaced: true } })
      firstJoin.release()
      expect((await older.waitClose()).code).toBe(4009)
      await settled(server, 2)
      expect(presence(await watcher.sync())).toEqual([])
      expect(newer.closed).toBeNull()
      watcher.send({ type: 'sdp-offer', targetUserId: 'alice', data: { type: 'offer', sdp: 'v=0' } })
      expect(await newer.next()).toMatchObject({ type: 'sdp-offer', from: 'watcher' })
      await newer.close()
      expect(await watcher.next()).toMatchObject({ type: 'peer-left', userId: 'alice', data: { reason: 'disconnected' } })
      await watcher.close()
    } finally {
      firstJoin.release()
      await server.close()
      await inner.close()
    }
  })
})

describe('frames during a slow join', () => {
  it('keeps frames in arrival order while the join is still being announced to other instances', async () => {
    // Two instances over one store; alice's `joined` announcement is held, so her join stays open.
    const state = createMemoryState()
    const inner = createMemoryBackend({ instanceId: 'i1', state })
    const other = createMemoryBackend({ instanceId: 'i2', state })
    const announce = gate()
    const backend: Backend = {
      ...inner,
      bus: {
        ...inner.bus,
        async publish(channel, envelope) {
          if (envelope.kind === 'joined' && envelope.peer.userId === 'alice') await announce.hold()
          return inner.bus.publish(channel, envelope)
        },
      },
    }
    const one = await startTestServer({}, { backend, instanceId: 'i1' })
    const two = await startTestServer({}, { backend: other, instanceId: 'i2' })
    try {
      const { bob } = await joinAll(two, 'order', ['bob'])
      const alice = await TestClient.open(one.ws)
      alice.send({ type: 'auth', data: { token: await one.token('alice', 'order') } })
      alice.send({ type: 'sdp-offer', targetUserId: 'bob', data: { type: 'offer', sdp: 'v=0' } })
      await announce.held
      expect((await alice.next()).type).toBe('auth')
      alice.send({ type: 'ice-candidate', targetUserId: 'bob', data: { candidate: null } })
      // Nothing answers a queued frame: watch the server read it (queued) or relay it (the old, wrong order).
      const queued = () => [...one.core.signaling.registry.values()].find((c) => c.userId === 'alice')?.held?.length ?? 0
      await until(() => queued() === 2 || bob.all('ice-candidate').length > 0, 'the server read the candidate')
      announce.release()
      expect((await bob.next()).type).toBe('peer-joined')
      expect((await bob.next()).type).toBe('sdp-offer')
      expect((await bob.next()).type).toBe('ice-candidate')
      await alice.close()
      await bob.close()
    } finally {
      announce.release()
      await one.close()
      await two.close()
      await inner.close()
      await other.close()
    }
  })
})
