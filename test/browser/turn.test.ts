/**
 * @module TURN with a real coturn: the server hands out REST credentials (auth reply and GET /api/ice-servers); two
 * Chromium pages with `iceTransportPolicy: 'relay'` connect only through the relay, and a page with a wrong or an
 * expired credential gathers no candidate and does not connect.
 */
import { createHmac } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, chromiumAvailable, need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { launchChromium, type LaunchedChromium } from './chromium.js'
import { coturnAvailable, startCoturn, TURNSERVER_PATH, type Coturn } from './coturn.js'
import { expectOnlySignaling, newPage, openPage, servePage, type Site } from './support.js'

const ROOM = 'turn-room'
const SECRET = 'turn-test-secret-0123456789abcdef'
const hmac = (username: string) => createHmac('sha1', SECRET).update(username).digest('base64')

const available =
  need('Chromium', chromiumAvailable(), `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`) &&
  need('coturn', coturnAvailable(), `${TURNSERVER_PATH} not found (apt-get install -y coturn, or set TURNSERVER_PATH)`)

describe.skipIf(!available)('TURN only: two Chromium pages connect through a real coturn with REST credentials', () => {
  let turn: Coturn
  let server: TestServer
  let site: Site
  let chromium: LaunchedChromium
  let turnUrl: string
  const pages: Record<string, Page> = {}

  beforeAll(async () => {
    turn = await startCoturn(SECRET)
    turnUrl = `turn:127.0.0.1:${turn.port}?transport=udp`
    server = await startTestServer({ CORS_ORIGINS: '*', TURN_SECRET: SECRET, TURN_URLS: turnUrl, TURN_TTL: '600' })
    site = await servePage()
    chromium = await launchChromium()
  })

  afterAll(async () => {
    const left = (await chromium?.close()) ?? []
    await new Promise((resolve) => site?.server.close(resolve))
    await server?.close()
    await turn?.stop()
    expect(left, 'Chromium processes left behind').toEqual([])
  })

  async function join(user: string, extra: Record<string, string> = {}) {
    pages[user] = await newPage(chromium.browser, site.origin)
    await openPage(pages[user], site.origin, { http: server.http, ws: server.ws, user, room: ROOM, relay: '1', ...extra })
    return pages[user]
  }
  const wait = (page: Page, fn: string, arg: unknown = null) => page.waitForFunction(`(${fn})(window.__probe, ${JSON.stringify(arg)})`, undefined, { timeout: 15_000, polling: 50 })

  it('hands out coturn REST credentials for the token holder, never to anyone without a token', async () => {
    const token = await server.token('alice', ROOM)
    const res = await server.api('/api/ice-servers', { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    const [entry] = res.body.iceServers as { urls: string[]; username: string; credential: string }[]
    expect(entry?.urls).toEqual([turnUrl])
    const [expiry, userId] = (entry?.username ?? '').split(':')
    expect(userId).toBe('alice')
    expect(Number(expiry) * 1000).toBe(res.body.expiresAt)
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(590)
    expect(entry?.credential).toBe(hmac(entry?.username ?? ''))
    expect(JSON.stringify(res.body)).not.toContain(SECRET)
    expect((await server.api('/api/ice-servers')).body).toMatchObject({ code: 'unauthorized' })
    expect((await server.api('/api/ice-servers', { headers: { authorization: 'Bearer nope' } })).body).toMatchObject({ code: 'token_invalid' })
  })

  it('connects alice and bob through the relay only, and their data goes both ways', async () => {
    const alice = await join('alice')
    const bob = await join('bob')
    for (const [page, peer] of [[alice, 'bob'], [bob, 'alice']] as const) {
      await wait(page, '(p, peer) => p.open().includes(peer)', peer)
      const pair = await page.evaluate((p) => window.__probe?.selectedPair(p), peer)
      expect(pair).toMatchObject({ local: { type: 'relay', address: '127.0.0.1' }, remote: { type: 'relay' } })
      expect(await page.evaluate((p) => window.__probe?.route(p), peer)).toBe('relay')
      const candidates = await page.evaluate((p) => window.__probe?.candidates[p] ?? [], peer)
      expect(candidates.length).toBeGreaterThan(0)
      for (const c of candidates) expect(c).toMatch(/ typ relay /)
    }
    expect(await alice.evaluate(() => window.__probe?.send('bob', 'through turn a->b'))).toBe(true)
    expect(await bob.evaluate(() => window.__probe?.send('alice', 'through turn b->a'))).toBe(true)
    await wait(bob, "(p) => p.received.alice?.includes('through turn a->b')")
    await wait(alice, "(p) => p.received.bob?.includes('through turn b->a')")
    await expectOnlySignaling(server.http)
  })

  it('a page with a wrong or an expired credential is refused by coturn (401), gathers nothing and does not connect', async () => {
    const nowS = Math.floor(Date.now() / 1000)
    const wrong = [{ urls: turnUrl, username: `${nowS + 600}:carol`, credential: hmac('something else') }]
    const expired = [{ urls: turnUrl, username: `${nowS - 60}:dave`, credential: hmac(`${nowS - 60}:dave`) }]
    const carol = await join('carol', { ice: JSON.stringify(wrong) })
    const dave = await join('dave', { ice: JSON.stringify(expired) })
    for (const page of [carol, dave]) {
      // Alice and bob offer to each newcomer; its connections fail to allocate a relay and end gathering empty.
      await wait(page, "(p) => ['alice', 'bob'].every((peer) => p.gathering(peer) === 'complete')")
      expect(await page.evaluate(() => window.__probe?.candidateErrors.map((e) => e.errorCode))).toContain(401)
      expect(await page.evaluate(() => window.__probe?.candidates)).toEqual({})
    }
    // With no local candidate at all there is nothing to connect with; give ICE a moment to prove it.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    for (const page of [carol, dave]) {
      expect(await page.evaluate(() => window.__probe?.open())).toEqual([])
      expect((await page.evaluate(() => window.__probe?.connections() ?? [])).map((c) => c.state)).not.toContain('connected')
    }
    expect(turn.log()).toContain('check_stun_auth')
  })
})
