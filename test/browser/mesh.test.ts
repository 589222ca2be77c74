/**
 * @module Real-browser test of the client library (recipe: ../shared/reference/platform-notes.md section 7): three
 * headless Chromium pages join one room through our server, each page's signaling through its own TCP proxy so that
 * a test can cut, hold or refuse it. They form a full mesh of data channels and keep it through a cut socket, crossing
 * offers and a server restart; document data never passes through the server.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, chromiumAvailable, need } from '../helpers/requirements.js'
import { freePort, startTestServer, type TestServer } from '../helpers/server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { launchChromium, type LaunchedChromium } from './chromium.js'
import { expectLocalPair, expectOnlySignaling, newPage, openPage, relayed, servePage, type Site } from './support.js'

const ROOM = 'mesh-room'
const USERS = ['alice', 'bob', 'carol'] as const
type User = (typeof USERS)[number]
/** Text that only ever travels over data channels; the server must never see it. */
const SECRET = 'DOC-DATA'

const available = need('Chromium', chromiumAvailable(), `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`)

describe.skipIf(!available)('client library: a mesh of three headless Chromium pages', () => {
  let port: number
  let server: TestServer
  let site: Site
  let chromium: LaunchedChromium
  const pages = {} as Record<User, Page>
  const proxies = {} as Record<User, TcpProxy>
  const env = () => ({ PORT: String(port), CORS_ORIGINS: '*', RECONNECT_GRACE: '15000' })

  beforeAll(async () => {
    port = await freePort()
    server = await startTestServer(env())
    site = await servePage()
    chromium = await launchChromium()
  })

  afterAll(async () => {
    const left = (await chromium?.close()) ?? []
    for (const proxy of Object.values(proxies)) await proxy.close()
    await new Promise((resolve) => site?.server.close(resolve))
    await server?.close()
    expect(left, 'Chromium processes left behind').toEqual([])
  })

  const others = (user: User) => USERS.filter((u) => u !== user)
  const state = (user: User) => pages[user].evaluate(() => window.__probe?.states.at(-1))
  const waitFor = (user: User, fn: string, arg: unknown = null) => pages[user].waitForFunction(`(${fn})(window.__probe, ${JSON.stringify(arg)})`, undefined, { timeout: 15_000, polling: 50 })
  const connections = (user: User) => pages[user].evaluate(() => window.__probe?.connections() ?? [])

  /** Every page sends `tag` to every other one over its data channel, and each message arrives. */
  async function exchange(users: readonly User[], tag: string) {
    for (const from of users) {
      for (const to of users) {
        if (from === to) continue
        const text = `${SECRET} ${tag} ${from}->${to}`
        expect(await pages[from].evaluate(([t, x]) => window.__probe?.send(t, x), [to, text] as const), `${from} -> ${to} channel open`).toBe(true)
        await waitFor(to, '(p, [f, x]) => p.received[f]?.includes(x)', [from, text])
      }
    }
  }

  it('three pages form a full mesh over loopback and exchange data both ways; the server relayed signaling only', async () => {
    for (const user of USERS) {
      proxies[user] = await startTcpProxy(port)
      pages[user] = await newPage(chromium.browser, site.origin)
      await openPage(pages[user], site.origin, { http: server.http, ws: `ws://127.0.0.1:${proxies[user].port}/ws`, user, room: ROOM })
    }
    expect(await pages.carol.evaluate(() => window.__ready)).toEqual({ userId: 'carol', roomId: ROOM, peers: ['alice', 'bob'] })
    for (const user of USERS) await waitFor(user, '(p, peers) => JSON.stringify(p.open()) === JSON.stringify(peers)', others(user))
    await exchange(USERS, 'mesh')
    for (const user of USERS) {
      for (const peer of others(user)) expectLocalPair(await pages[user].evaluate((p) => window.__probe?.selectedPair(p), peer))
      expect((await connections(user)).map((c) => c.state)).toEqual(['connected', 'connected'])
      expect(await pages[user].evaluate(() => window.__probe?.errors)).toEqual([])
    }
    // One negotiation per pair, started by the peer already in the room.
    expect(await expectOnlySignaling(server.http)).toMatchObject({ 'sdp-offer': 3, 'sdp-answer': 3 })
  })

  it("cuts one page's signaling socket: its data channels keep carrying messages while it resumes, and nothing is renegotiated", async () => {
    const before = await relayed(server.http)
    const resumesBefore = (await server.api('/api/stats')).body.operations.sessions.resumed as number
    proxies.alice.block(true)
    proxies.alice.cut()
    await waitFor('alice', "(p) => p.states.includes('resuming')")
    await exchange(USERS, 'while-away')
    expect(await state('alice')).not.toBe('open')
    proxies.alice.block(false)
    await waitFor('alice', "(p) => p.states.at(-1) === 'open+resumed'")
    await exchange(USERS, 'resumed')
    expect((await relayed(server.http)).byType['sdp-offer']).toBe(before.byType['sdp-offer'])
    expect((await server.api('/api/stats')).body.operations.sessions.resumed).toBe(resumesBefore + 1)
    for (const user of USERS) expect((await connections(user)).map((c) => c.state)).toEqual(['connected', 'connected'])
    for (const user of others('alice')) expect(await pages[user].evaluate(() => window.__probe?.presence)).not.toContain('left alice (disconnected)')
  })

  it('crossing offers converge: bob and carol restart ICE at once while signaling is held', async () => {
    const before = await relayed(server.http)
    proxies.bob.hold(true)
    proxies.carol.hold(true)
    await pages.bob.evaluate(() => window.__probe?.restartIce('carol'))
    await pages.carol.evaluate(() => window.__probe?.restartIce('bob'))
    // Both offers are through the server before either side sees the other's: they cross.
    await expect.poll(async () => (await relayed(server.http)).byType['sdp-offer']).toBe((before.byType['sdp-offer'] ?? 0) + 2)
    proxies.bob.hold(false)
    proxies.carol.hold(false)
    for (const [user, peer] of [['bob', 'carol'], ['carol', 'bob']] as const) {
      await waitFor(user, '(p, peer) => p.connections().some((c) => c.peerId === peer && c.signaling === "stable" && c.state === "connected")', peer)
    }
    await exchange(USERS, 'after-glare')
    expect((await relayed(server.http)).byType['sdp-answer']).toBeGreaterThan(before.byType['sdp-answer'] ?? 0)
    for (const user of USERS) {
      expect((await connections(user)).length, `${user} kept its connections`).toBe(2)
      expect(await pages[user].evaluate(() => window.__probe?.errors)).toEqual([])
    }
  })

  it('the server restarts mid-session: the pages rejoin with fresh tokens and the mesh carries on', async () => {
    const tokens = await Promise.all(USERS.map((u) => pages[u].evaluate(() => window.__probe?.tokens ?? 0)))
    await server.close()
    server = await startTestServer(env())
    for (const user of USERS) await waitFor(user, "(p) => p.states.at(-1) === 'open' && p.states.includes('reconnecting')")
    for (const [i, user] of USERS.entries()) expect(await pages[user].evaluate(() => window.__probe?.tokens)).toBeGreaterThan(tokens[i] ?? 0)
    await exchange(USERS, 'after-restart')
    // The connections never broke, so the mesh kept them: no new RTCPeerConnection, nothing negotiated anew.
    for (const user of USERS) expect((await connections(user)).map((c) => c.state)).toEqual(['connected', 'connected'])
    expect((await relayed(server.http)).byType['sdp-offer'] ?? 0).toBe(0)
  })

  it('a page closes and the others see it leave', async () => {
    await pages.carol.close()
    for (const user of ['alice', 'bob'] as const) {
      await waitFor(user, "(p) => p.presence.some((e) => e.startsWith('left carol'))")
      await waitFor(user, "(p) => p.connections().some((c) => c.peerId === 'carol' && c.state === 'closed') && !p.open().includes('carol')")
    }
    await exchange(['alice', 'bob'], 'after-leave')
    await expectOnlySignaling(server.http)
    for (const user of USERS) expect(proxies[user].downstream(), `what the server sent ${user}`).not.toContain(SECRET)
  })
})
