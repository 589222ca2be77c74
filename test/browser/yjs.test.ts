/**
 * @module Real-browser test of /yjs: headless Chromium pages with unmodified yjs and y-webrtc (WebrtcProvider), whose
 * only change is the signaling URL (`ws://.../yjs?token=...`), sync a Y.Text over WebRTC; a page holding a token for
 * another room opens the same room name and stays out. Once on one instance, once with the two pages on two
 * instances sharing Redis. Recipe: ../shared/reference/platform-notes.md section 7.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, eventually, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { CHROMIUM_PATH, chromiumAvailable, need, REDIS_URL, redisAvailable } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { launchChromium, type LaunchedChromium } from './chromium.js'
import { serveYjsPage, type YjsSite } from './yjs-site.js'

const ROOM = 'doc-yjs'
/** One awaited event in a page. */
const WAIT = { timeout: 20_000 }
/**
 * A whole test: three browser contexts, two WebRTC connections, a reconnect. About 8 s alone on this machine, over
 * 20 s in a full suite run on the shared 2-core machine (opening the pages is most of it).
 */
const TEST_TIMEOUT_MS = 60_000

/** One place pages connect to: a signaling URL for a token, its stats, its tokens, and every log line it wrote. */
interface Place {
  url(token: string): string
  token(userId: string, roomId: string): Promise<string>
  stats(): Promise<{ yjs: { dropped: Record<string, number>; joins: number } }>
  audit(): Promise<{ event: string; userId: string | null; roomId: string | null }[]>
  logs(): string
}

const chromiumReady = need('Chromium', chromiumAvailable(), `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`)
const redisReady = chromiumReady && need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

const text = (page: Page) => page.evaluate(() => window.__yjs!.text())
const peerId = async (page: Page) => (await page.waitForFunction(() => window.__yjs!.peerId(), undefined, WAIT)).jsonValue()

/** What a page knows, for failure messages. */
const stateOf = (page: Page) =>
  page.evaluate(() => {
    const y = window.__yjs!
    return { text: y.text(), peerId: y.peerId(), known: y.knownPeers(), connected: y.connectedPeers(), signaling: y.signalingConnected() }
  })

/** Waits until `page`'s document reads `expected`; on a timeout, says what every page knew. */
async function reads(page: Page, expected: string, all: Page[] = [page], wait = WAIT) {
  try {
    await page.waitForFunction((e) => window.__yjs!.text() === e, expected, wait)
  } catch (err) {
    const states = await Promise.all(all.map(stateOf))
    throw new Error(`${String(err)}\npages: ${JSON.stringify(states)}`)
  }
}

/**
 * Alice and bob (one place each) edit one document and each sees the other's edit; mallory, on bob's place with a
 * valid token for another room, opens the same room name: her announce is dropped, nobody connects to her, she
 * never sees the text. Returns every token used, for the log check.
 */
async function syncAndIsolate(site: YjsSite, chromium: LaunchedChromium, alicePlace: Place, bobPlace: Place): Promise<string[]> {
  const tokens = [await alicePlace.token('alice', ROOM), await bobPlace.token('bob', ROOM), await bobPlace.token('mallory', 'another-room')]
  const [aliceToken, bobToken, malloryToken] = tokens as [string, string, string]
  const dropped0 = (await bobPlace.stats()).yjs.dropped.other_topic ?? 0
  // Alice first, then the others once her socket is open: two providers that announce at the same moment both
  // initiate, and y-webrtc's glare handling can then leave both "connected" over data channels that never carry
  // anything (seen in full CI runs: both pages connected to each other, bob's document empty after 40 s). The race is
  // in the providers (docs/yjs.md); a newcomer joining a room that already has a peer is the case to test.
  const alice = await site.open(chromium.browser, alicePlace.url(aliceToken), ROOM)
  await alice.waitForFunction(() => window.__yjs!.signalingConnected(), undefined, WAIT)
  const aliceIn = async () => (await alicePlace.audit()).some((e) => e.event === 'join' && e.userId === 'alice' && e.roomId === `yjs/${ROOM}`)
  await eventually(aliceIn, 20_000, 'alice subscribed to the room')
  const [bob, mallory] = await Promise.all([
    site.open(chromium.browser, bobPlace.url(bobToken), ROOM),
    site.open(chromium.browser, bobPlace.url(malloryToken), ROOM),
  ])
  const ids = { alice: await peerId(alice), bob: await peerId(bob), mallory: await peerId(mallory) }

  await alice.evaluate(() => window.__yjs!.append('hello from alice'))
  // Both pages' states are printed if it times out.
  await reads(bob, 'hello from alice', [alice, bob])
  await bob.evaluate(() => window.__yjs!.append(', hello from bob'))
  await reads(alice, 'hello from alice, hello from bob')
  expect(await alice.evaluate(() => window.__yjs!.connectedPeers())).toEqual([ids.bob])
  expect(await bob.evaluate(() => window.__yjs!.connectedPeers())).toEqual([ids.alice])

  // Mallory's socket is open (her token is valid) and her announce for the room reached the server, which dropped it.
  await mallory.waitForFunction(() => window.__yjs!.signalingConnected(), undefined, WAIT)
  await eventually(async () => ((await bobPlace.stats()).yjs.dropped.other_topic ?? 0) > dropped0, 10_000, "mallory's announce dropped")
  await bob.evaluate(() => window.__yjs!.append('!'))
  await reads(alice, 'hello from alice, hello from bob!')
  expect(await text(mallory)).toBe('')
  expect(await mallory.evaluate(() => window.__yjs!.knownPeers())).toEqual([])
  for (const page of [alice, bob]) expect(await page.evaluate(() => window.__yjs!.knownPeers())).not.toContain(ids.mallory)

  // docs/yjs.md's token refresh: alice's signaling client reopens its socket (a network blip) with a fresh token's URL,
  // and her WebRTC connection to bob stays up. The fresh token names another user only so that the audit trail
  // shows which token the server got.
  const fresh = await alicePlace.token('alice-refreshed', ROOM)
  tokens.push(fresh)
  await alice.evaluate((url) => window.__yjs!.swapSignalingUrl(url), alicePlace.url(fresh))
  await alice.evaluate(() => window.__yjs!.dropSignaling())
  const joined = async () => (await alicePlace.audit()).some((e) => e.event === 'join' && e.userId === 'alice-refreshed' && e.roomId === `yjs/${ROOM}`)
  await eventually(joined, 20_000, "alice's signaling back with the fresh token")
  await alice.waitForFunction(() => window.__yjs!.signalingConnected(), undefined, WAIT)
  expect(await alice.evaluate(() => window.__yjs!.connectedPeers())).toEqual([ids.bob])
  await bob.evaluate(() => window.__yjs!.append(' (after the refresh)'))
  await reads(alice, 'hello from alice, hello from bob! (after the refresh)', [alice, bob])
  await Promise.all([alice, bob, mallory].map((p) => p.context().close()))
  return tokens
}

/** No log line holds a token, nor the signature that makes it one. */
function expectNoTokens(logs: string, tokens: string[]) {
  expect(logs.length, 'the servers logged something (LOG_LEVEL=debug)').toBeGreaterThan(0)
  for (const token of tokens) {
    expect(logs).not.toContain(token)
    expect(logs).not.toContain(token.split('.')[2])
  }
}

describe.skipIf(!chromiumReady)('y-webrtc (unmodified) through /yjs in headless Chromium', () => {
  let site: YjsSite
  let chromium: LaunchedChromium

  beforeAll(async () => {
    site = await serveYjsPage()
    chromium = await launchChromium()
  })

  afterAll(async () => {
    const left = (await chromium?.close()) ?? []
    await site?.close()
    expect(left, 'Chromium processes left behind').toEqual([])
  })

  describe('one instance', () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ CORS_ORIGINS: '*' })
    })
    afterAll(() => server?.close())

    it('two pages sync a Y.Text over WebRTC; a page with another room token stays out; no token reaches a log line', async () => {
      const place: Place = {
        url: (token) => `ws://127.0.0.1:${server.port}/yjs?token=${token}`,
        token: (userId, roomId) => server.token(userId, roomId),
        stats: async () => (await server.api('/api/stats')).body,
        audit: async () => (await server.api('/api/audit?limit=1000')).body.events,
        logs: () => server.logs.join('\n'),
      }
      const tokens = await syncAndIsolate(site, chromium, place, place)
      expectNoTokens(place.logs(), tokens)
    }, TEST_TIMEOUT_MS)
  })

  describe.skipIf(!redisReady)('two instances sharing Redis', () => {
    const prefix = randomPrefix('yjs-browser')
    let instances: Instance[] = []
    beforeAll(async () => {
      const env = { REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'debug', CORS_ORIGINS: '*', PEER_LEASE_TTL: '10000', CLEANUP_INTERVAL: '60000' }
      instances = await Promise.all([startInstance(env, { bundled: true }), startInstance(env, { bundled: true })])
    })
    afterAll(async () => {
      await Promise.all(instances.map((i) => i.stop()))
      await deleteKeys(REDIS_URL, prefix)
    })

    it('alice on one instance and bob on the other sync; mallory stays out; no token reaches a log line', async () => {
      const place = (i: Instance): Place => ({
        url: (token) => `ws://127.0.0.1:${i.port}/yjs?token=${token}`,
        token: (userId, roomId) => i.token(userId, roomId),
        stats: async () => (await i.json('/api/stats')).body as Awaited<ReturnType<Place['stats']>>,
        audit: async () => (await i.json('/api/audit?limit=1000')).body.events as Awaited<ReturnType<Place['audit']>>,
        logs: () => i.output.join(''),
      })
      const [one, two] = instances.map(place) as [Place, Place]
      const tokens = await syncAndIsolate(site, chromium, one, two)
      // Both instances took part: each had a subscriber join through it.
      for (const p of [one, two]) expect((await p.stats()).yjs.joins).toBeGreaterThan(0)
      expectNoTokens(one.logs() + two.logs(), tokens)
    }, TEST_TIMEOUT_MS)
  })
})
