/**
 * @module The /demo page as a front-end developer meets it: two tabs join a room and share a text peer to peer; one
 * tab goes offline (DevTools-style network emulation) for five seconds and the text keeps syncing afterwards without
 * a renegotiation. Takes the README's screenshot (written to docs/demo.png with UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, chromiumAvailable, need } from '../helpers/requirements.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { launchChromium, loopbackContext, type LaunchedChromium } from './chromium.js'
import { expectOnlySignaling, relayed } from './support.js'

const ROOM = 'demo-room'
/** The outage the issue names: five seconds. */
const OUTAGE_MS = 5000

const available = need('Chromium', chromiumAvailable(), `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`)

describe.skipIf(!available)('the /demo page in two tabs', () => {
  let server: TestServer
  let chromium: LaunchedChromium

  beforeAll(async () => {
    server = await startTestServer({ RECONNECT_GRACE: '15000' })
    chromium = await launchChromium()
  })
  afterAll(async () => {
    const left = (await chromium?.close()) ?? []
    await server?.close()
    expect(left, 'Chromium processes left behind').toEqual([])
  })

  async function tab(user: string): Promise<Page> {
    const page = await (await loopbackContext(chromium.browser, server.http, { viewport: { width: 860, height: 560 } })).newPage()
    await page.goto(`${server.http}/demo?room=${ROOM}&user=${user}`)
    return page
  }
  const peerRow = (page: Page, peer: string) => page.locator(`tr[data-peer="${peer}"]`)
  const text = (page: Page) => page.locator('#text')

  it('two tabs share a text peer to peer, and it keeps syncing after one tab was offline for five seconds', async () => {
    const alice = await tab('alice')
    const bob = await tab('bob')
    for (const [page, peer] of [[alice, 'bob'], [bob, 'alice']] as const) {
      await expect.poll(() => peerRow(page, peer).textContent(), { timeout: 15_000 }).toContain('connected')
      await expect.poll(() => peerRow(page, peer).textContent()).toContain('direct')
      await expect.poll(() => text(page).isEnabled()).toBe(true)
    }
    await text(alice).pressSequentially('Hello from alice. ')
    await expect.poll(() => text(bob).inputValue()).toBe('Hello from alice. ')
    const offers = (await relayed(server.http)).byType['sdp-offer']

    await bob.context().setOffline(true)
    const back = Date.now() + OUTAGE_MS
    await text(alice).pressSequentially('Typed while bob was offline. ')
    await expect.poll(() => text(bob).inputValue()).toBe('Hello from alice. Typed while bob was offline. ')
    await new Promise((resolve) => setTimeout(resolve, back - Date.now()))
    await bob.context().setOffline(false)

    await text(bob).press('End')
    await text(bob).pressSequentially('Bob is back.')
    await expect.poll(() => text(alice).inputValue()).toBe('Hello from alice. Typed while bob was offline. Bob is back.')
    await expect.poll(() => bob.locator('#session').textContent()).toBe('open')
    expect((await relayed(server.http)).byType['sdp-offer']).toBe(offers)
    await expectOnlySignaling(server.http)

    mkdirSync('test-results', { recursive: true })
    await alice.screenshot({ path: 'test-results/demo.png' })
    if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync('test-results/demo.png', 'docs/demo.png')
  }, 45_000) // a 5 s outage on purpose, two connections and three typing rounds on a loaded 2-core machine
})
