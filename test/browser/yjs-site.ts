/**
 * @module Serves the /yjs test page and an in-memory bundle of fixtures/yjs-page.ts (yjs and y-webrtc from
 * node_modules, unmodified) on 127.0.0.1:0, and opens it in a fresh browser context per page.
 */
import { build } from 'esbuild'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { loopbackContext } from './chromium.js'

const HTML = '<!doctype html><meta charset="utf-8"><title>yjs test</title><script type="module" src="/page.js"></script>'

export interface YjsSite {
  origin: string
  /**
   * Opens the page in its own browser context: pages of one context share a BroadcastChannel, which y-webrtc uses
   * to sync tabs without any server, and the test must see only what goes through signaling and WebRTC.
   */
  open(browser: Browser, signalingUrl: string, room: string): Promise<Page>
  close(): Promise<void>
}

export async function serveYjsPage(): Promise<YjsSite> {
  const entry = fileURLToPath(new URL('./fixtures/yjs-page.ts', import.meta.url))
  const bundle = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', minify: true, logLevel: 'silent' })
  const js = bundle.outputFiles[0]?.text ?? ''
  const server: Server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js)
    else if (req.url?.startsWith('/?')) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    async open(browser, signalingUrl, room) {
      const page = await (await loopbackContext(browser, origin)).newPage()
      await page.goto(`${origin}/?${new URLSearchParams({ signaling: signalingUrl, room }).toString()}`)
      await page.waitForFunction(() => window.__yjs !== undefined || window.__error !== undefined)
      const error = await page.evaluate(() => window.__error)
      if (error) throw new Error(`page error: ${error}`)
      return page
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
