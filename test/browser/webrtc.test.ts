/**
 * @module Real-browser test: two headless Chromium pages join one room through our server with the client library,
 * connect over WebRTC on loopback and exchange ping/pong on the 'collaboration' data channel
 * (recipe: ../shared/reference/platform-notes.md section 7).
 */
import { build } from 'esbuild'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, chromiumAvailable, need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { launchChromium, type LaunchedChromium } from './chromium.js'
import type { SelectedPair } from './fixtures/result.js'

const ROOM = 'doc-123'
const HTML = '<!doctype html><meta charset="utf-8"><title>webrtc test</title><script type="module" src="/page.js"></script>'
/** This machine's addresses; only `lo` when the test runs in a private network namespace (`unshare -n`). */
const OWN_ADDRESSES = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address))
const LOOPBACK_ONLY = Object.values(networkInterfaces()).every((list) => (list ?? []).every((a) => a.internal))

/** Serves the test page and an in-memory bundle of fixtures/page.ts (which imports src/client) on 127.0.0.1:0. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const entry = fileURLToPath(new URL('./fixtures/page.ts', import.meta.url))
  const bundle = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent' })
  const js = bundle.outputFiles[0]?.text ?? ''
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js)
    else if (req.url?.startsWith('/?') || req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** Waits until the page reports `key` (or an error) and fails with the page's own error text. */
async function waitFor(page: Page, key: '__ready' | '__result'): Promise<void> {
  await page.waitForFunction((k) => window[k] !== undefined || window.__error !== undefined, key, { timeout: 10_000 })
  const error = await page.evaluate(() => window.__error)
  if (error) throw new Error(`page error: ${error}`)
}

/**
 * The selected pair must be UDP between addresses of this machine (a remote learned only from a connectivity check is
 * peer-reflexive and its address hidden). In a loopback-only namespace every address must be 127.0.0.1. Outside one,
 * Chromium may send from eth0's address to the peer's 127.0.0.1 candidate (platform-notes section 7): still this host.
 */
function expectLocalPair(pairs: (SelectedPair | null | undefined)[]): void {
  for (const pair of pairs) {
    if (!pair) throw new Error('no selected candidate pair')
    expect(pair.protocol).toBe('udp')
    const seen = [pair.local.address, pair.remote.address].filter((a) => a !== '')
    for (const address of seen) expect(LOOPBACK_ONLY ? ['127.0.0.1'] : OWN_ADDRESSES).toContain(address)
    if (!LOOPBACK_ONLY && seen.some((a) => a !== '127.0.0.1')) {
      const route = `${pair.local.address} -> ${pair.remote.address || '(prflx)'}`
      console.warn(`NOTE: not in a loopback-only network namespace (unshare -n); selected pair ${route}`)
    }
  }
}

const available = need('Chromium', chromiumAvailable(), `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`)

describe.skipIf(!available)('WebRTC data channel between two headless Chromium pages', () => {
  let server: TestServer
  let site: { server: Server; origin: string }
  let chromium: LaunchedChromium

  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: '*' })
    site = await servePage()
    chromium = await launchChromium()
  })

  afterAll(async () => {
    const left = (await chromium?.close()) ?? []
    await new Promise((resolve) => site?.server.close(resolve))
    await server?.close()
    expect(left, 'Chromium processes left behind').toEqual([])
  })

  async function newPage(): Promise<Page> {
    const context = await chromium.browser.newContext()
    // Chromium gathers loopback candidates only for an origin with camera or microphone permission.
    await context.grantPermissions(['camera', 'microphone'], { origin: site.origin })
    return context.newPage()
  }

  async function join(page: Page, userId: string): Promise<void> {
    await page.goto(`${site.origin}/?${new URLSearchParams({ http: server.http, ws: server.ws, user: userId, room: ROOM }).toString()}`)
    await waitFor(page, '__ready')
  }

  it('alice and bob connect over loopback and exchange ping/pong; the server relayed every signal', async () => {
    expect(chromium.pids().length, 'processes of this launch are visible').toBeGreaterThan(0)
    const [alice, bob] = await Promise.all([newPage(), newPage()])
    await join(alice, 'alice')
    expect(await alice.evaluate(() => window.__ready)).toEqual({ userId: 'alice', roomId: ROOM, peers: [] })
    await join(bob, 'bob')
    expect(await bob.evaluate(() => window.__ready)).toEqual({ userId: 'bob', roomId: ROOM, peers: ['alice'] })

    await Promise.all([waitFor(alice, '__result'), waitFor(bob, '__result')])
    expect(await alice.evaluate(() => window.__result)).toEqual({ userId: 'alice', peerId: 'bob', received: 'pong' })
    expect(await bob.evaluate(() => window.__result)).toEqual({ userId: 'bob', peerId: 'alice', received: 'ping' })

    // Each side trickles its loopback candidate; once both have arrived the selected pair shows real addresses
    // (a candidate first learned from a connectivity check is peer-reflexive, and Chromium hides its address).
    const hasCandidate = () => window.__signals.some((s) => s.type === 'ice-candidate')
    await Promise.all([alice.waitForFunction(hasCandidate), bob.waitForFunction(hasCandidate)])
    const aliceGot = await alice.evaluate(() => window.__signals)
    const bobGot = await bob.evaluate(() => window.__signals)
    expect(new Set(aliceGot.map((s) => s.type))).toEqual(new Set(['sdp-answer', 'ice-candidate']))
    expect(new Set(bobGot.map((s) => s.type))).toEqual(new Set(['sdp-offer', 'ice-candidate']))
    expect(aliceGot.filter((s) => s.from !== 'bob')).toEqual([])
    expect(bobGot.filter((s) => s.from !== 'alice')).toEqual([])
    expect(await alice.evaluate(() => window.__errors)).toEqual([])
    expect(await bob.evaluate(() => window.__errors)).toEqual([])

    const alicePair = await alice.evaluate(() => window.__selectedPair?.('bob'))
    const bobPair = await bob.evaluate(() => window.__selectedPair?.('alice'))
    expectLocalPair([alicePair, bobPair])

    type Stats = { operations: { relayed: { byType: Record<string, number> } } }
    const byType = ((await (await fetch(`${server.http}/api/stats`)).json()) as Stats).operations.relayed.byType
    expect(byType).toMatchObject({ 'sdp-offer': 1, 'sdp-answer': 1 })
    expect(byType['ice-candidate']).toBeGreaterThanOrEqual(2)
  })
})
