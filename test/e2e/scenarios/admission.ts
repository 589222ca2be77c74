/** @module Upgrade admission: connections per address and per instance, Origin, memory. Refused before any WebSocket exists. */
import { describe, expect, it } from 'vitest'
import { until } from '../support/scenario.js'
import { deploy, itWith, type Stage } from '../support/stage.js'
import type { Target } from '../support/target.js'

/** Resolves with the HTTP status and body an upgrade was refused with; fails if it was accepted. */
async function refusedUpgrade(s: Stage, peer: number, headers: Record<string, string> = {}, url?: string): Promise<{ status: number; body: string }> {
  try {
    const client = await s.open(peer, { headers, url, room: ROOM })
    await client.close()
  } catch (err) {
    const { status, body } = err as { status?: number; body?: string }
    if (status !== undefined) return { status, body: body ?? '' }
    throw err
  }
  throw new Error('upgrade was accepted')
}

/** The room every socket here names on its URL: on Workers they all meet in its object, where the caps apply. */
const ROOM = 'admission'

/** Open sockets of peer `peer`'s instance, as its /api/stats counts them. */
const connections = async (s: Stage, peer: number): Promise<number> => (await s.api('/api/stats', undefined, peer)).body.server.connections

export function admissionScenarios(target: Target) {
  describe('connections per address and Origin (MAX_CONNECTIONS_PER_IP=2, CORS_ORIGINS=https://app.example)', () => {
    const s = deploy(target, { MAX_CONNECTIONS_PER_IP: '2', CORS_ORIGINS: 'https://app.example' })

    it('refuses a third upgrade from one address with 429 too_many_connections, and accepts again after one closes', async () => {
      for (let instance = 0; instance < s.instances; instance++) {
        const first = await s.open(instance, { room: ROOM })
        const second = await s.open(instance + s.instances, { room: ROOM })
        const refused = await refusedUpgrade(s, instance)
        expect(refused.status).toBe(429)
        expect(JSON.parse(refused.body)).toMatchObject({ code: 'too_many_connections' })
        await first.close()
        // The server forgets the socket when it sees the close, which may follow the client's view a little.
        await until(async () => (await connections(s, instance)) === 1, 'the server saw the close')
        const third = await s.open(instance, { room: ROOM })
        await third.close()
        await second.close()
        await until(async () => (await connections(s, instance)) === 0, 'the server saw every close')
      }
    })

    it('refuses a foreign Origin with 403 origin_not_allowed and accepts the allowed Origin and no Origin', async () => {
      for (let peer = 0; peer < s.instances; peer++) {
        const refused = await refusedUpgrade(s, peer, { origin: 'https://evil.example' })
        expect(refused.status).toBe(403)
        expect(JSON.parse(refused.body)).toEqual({ error: 'Origin not allowed', code: 'origin_not_allowed' })
        for (const headers of [{ origin: 'https://app.example' }, {}] as Record<string, string>[]) {
          const client = await s.open(peer, { headers, room: ROOM })
          expect(client.ws.readyState).toBe(client.ws.OPEN)
          await client.close()
        }
        // The refusal comes before any socket exists, on every WebSocket path.
        const root = await refusedUpgrade(s, peer, { origin: 'https://app.example.evil.example' }, s.ws(peer, `/?room=${ROOM}`))
        expect(root.status).toBe(403)
      }
    })
  })

  /** Issue 9 finding 4: sockets that have not joined a room yet are capped per address and in total, on every runtime. */
  describe('sockets waiting to authenticate (MAX_PENDING_CONNECTIONS_PER_IP=3, MAX_PENDING_CONNECTIONS=5, TRUST_PROXY=1)', () => {
    const s = deploy(target, { MAX_PENDING_CONNECTIONS_PER_IP: '3', MAX_PENDING_CONNECTIONS: '5', TRUST_PROXY: '1' })
    const from = (ip: string) => ({ 'x-forwarded-for': ip })
    const itBehindProxy = itWith(target, 'trustProxy')

    itBehindProxy('refuses a 4th silent socket from one address with 429 too_many_pending; a socket that joins frees its place', async () => {
      for (let instance = 0; instance < s.instances; instance++) {
        const pending = { headers: from('203.0.113.1'), room: 'pending' }
        const silent = [await s.open(instance, pending), await s.open(instance, pending)]
        const joining = await s.open(instance, pending)
        const refused = await refusedUpgrade(s, instance, from('203.0.113.1'))
        expect(refused.status).toBe(429)
        expect(JSON.parse(refused.body)).toEqual({ code: 'too_many_pending', error: expect.any(String) })
        joining.send({ type: 'auth', data: { token: await s.token('alice', 'pending', { peer: instance + 1 }) } })
        expect((await joining.next('auth')).data?.status).toBe('authenticated')
        const fourth = await s.open(instance, pending)
        await Promise.all([...silent, joining, fourth].map((c) => c.close()))
      }
    })

    itBehindProxy('refuses the 6th silent socket of the instance with 503 server_busy, whatever its address', async () => {
      for (let instance = 0; instance < s.instances; instance++) {
        const silent = []
        for (let i = 0; i < 5; i++) silent.push(await s.open(instance, { headers: from(`198.51.100.${i + 1}`), room: ROOM }))
        const refused = await refusedUpgrade(s, instance, from('198.51.100.99'))
        expect(refused.status).toBe(503)
        expect(JSON.parse(refused.body)).toEqual({ code: 'server_busy', error: expect.any(String) })
        await Promise.all(silent.map((c) => c.close()))
        await until(async () => (await connections(s, instance)) === 0, 'the server saw every close')
      }
    })
  })

  /** Issue 9 finding 3 on every runtime: an address failing authentication again and again is refused for a while. */
  describe('failed authentications (AUTH_FAILURE_LIMIT=3, TRUST_PROXY=1)', () => {
    const s = deploy(target, { AUTH_FAILURE_LIMIT: '3', TRUST_PROXY: '1' })

    itWith(target, 'trustProxy')('refuses the address with 429 auth_blocked after 3 failures on that instance; other addresses are unaffected', async () => {
      for (let instance = 0; instance < s.instances; instance++) {
        for (let i = 0; i < 3; i++) {
          const client = await s.open(instance, { headers: { 'x-forwarded-for': '203.0.113.50' }, room: ROOM })
          client.send({ type: 'auth', data: { token: 'not.a.token' } })
          expect((await client.waitClose()).code).toBe(4001)
        }
        const refused = await refusedUpgrade(s, instance, { 'x-forwarded-for': '203.0.113.50' })
        expect(refused.status).toBe(429)
        expect(JSON.parse(refused.body)).toEqual({ code: 'auth_blocked', error: expect.any(String) })
        const other = await s.open(instance, { headers: { 'x-forwarded-for': '203.0.113.51' }, room: ROOM })
        await other.close()
      }
    })
  })

  describe('upgrade admission', () => {
    describe('MAX_CONNECTIONS=1', () => {
      const s = deploy(target, { MAX_CONNECTIONS: '1' })

      it('refuses upgrades with 503 server_full at MAX_CONNECTIONS, per instance', async () => {
        for (let instance = 0; instance < s.instances; instance++) {
          const first = await s.open(instance, { room: ROOM })
          const refused = await refusedUpgrade(s, instance)
          expect(refused.status).toBe(503)
          expect(JSON.parse(refused.body)).toMatchObject({ code: 'server_full' })
          await first.close()
        }
      })
    })

    describe('memory critical (MEMORY_CRITICAL_THRESHOLD=2 MB)', () => {
      const s = deploy(target, { MEMORY_WARNING_THRESHOLD: '1', MEMORY_CRITICAL_THRESHOLD: '2' })

      itWith(target, 'memoryWatch')('refuses upgrades with 503 memory_critical while HTTP keeps answering', async () => {
        for (let peer = 0; peer < s.instances; peer++) {
          const refused = await refusedUpgrade(s, peer)
          expect(refused.status).toBe(503)
          expect(JSON.parse(refused.body)).toMatchObject({ code: 'memory_critical' })
          // HTTP keeps answering, so operators can see why.
          const health = await s.api('/api/health', undefined, peer)
          expect(health.status).toBe(200)
          expect(health.body.memory.status).toBe('critical')
        }
      })
    })
  })
}
