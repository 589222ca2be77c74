/**
 * @module Shared by the real-browser tests: the test page (fixtures/page.ts bundled in memory) served on its own
 * origin, pages with the loopback WebRTC permission, joining a room, and reading what a page reports.
 */
import { build } from 'esbuild'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'
import { loopbackContext } from './chromium.js'
import type { PageProbe, SelectedPair } from './fixtures/result.js'

const HTML = '<!doctype html><meta charset="utf-8"><title>client test</title><script type="module" src="/page.js"></script>'
/** This machine's addresses; only `lo` when the test runs in a private network namespace (`unshare -n`). */
const OWN_ADDRESSES = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address))
const LOOPBACK_ONLY = Object.values(networkInterfaces()).every((list) => (list ?? []).every((a) => a.internal))

export interface Site {
  server: Server
  origin: string
}

/** Serves the test page and an in-memory bundle of fixtures/page.ts (which imports src/client) on 127.0.0.1:0. */
export async function servePage(): Promise<Site> {
  const entry = fileURLToPath(new URL('./fixtures/page.ts', import.meta.url))
  const bundle = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'chrome120', logLevel: 'silent' })
  const js = bundle.outputFiles[0]?.text ?? ''
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js)
    else if (req.url?.startsWith('/?') || req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** A page in its own browser context, with the camera/microphone grant that makes Chromium gather loopback candidates. */
export async function newPage(browser: Browser, origin: string): Promise<Page> {
  return (await loopbackContext(browser, origin)).newPage()
}

/** Opens the test page for `user` and waits until it has joined; fails with the page's own error text. */
export async function openPage(page: Page, origin: string, params: Record<string, string>): Promise<void> {
  await page.goto(`${origin}/?${new URLSearchParams(params).toString()}`)
  await page.waitForFunction(() => window.__ready !== undefined || window.__error !== undefined, undefined, { timeout: 10_000 })
  const error = await page.evaluate(() => window.__error)
  if (error) throw new Error(`page error: ${error}`)
}

/** Runs `fn` on the page's probe. */
export const probe = <T>(page: Page, fn: (p: PageProbe) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.__probe)`) as Promise<T>

/** Waits until `fn` on the page's probe is truthy (the page's own events drive it; bounded by `timeout`). */
export async function until(page: Page, fn: (p: PageProbe) => unknown, timeout = 15_000): Promise<void> {
  await page.waitForFunction(`!!(${fn.toString()})(window.__probe)`, undefined, { timeout, polling: 50 })
}

/**
 * The selected pair must be UDP, sending to a loopback address (every page accepts only loopback candidates from its
 * peers: loopbackContext), from an address of this machine: in a loopback-only namespace 127.0.0.1; outside one
 * Chromium may send from eth0's address to the peer's 127.0.0.1 (platform-notes section 7), which the kernel still
 * delivers over `lo`. A remote learned only from a connectivity check is peer-reflexive and its address hidden.
 */
export function expectLocalPair(pair: SelectedPair | null | undefined): void {
  if (!pair) throw new Error('no selected candidate pair')
  expect(pair.protocol).toBe('udp')
  if (pair.remote.address !== '') expect(pair.remote.address).toBe('127.0.0.1')
  if (pair.local.address !== '') expect(LOOPBACK_ONLY ? ['127.0.0.1'] : OWN_ADDRESSES).toContain(pair.local.address)
}

type Stats = { operations: { relayed: { total: number; byType: Record<string, number> } } }

/** The server's relay counters (GET /api/stats, open to admins; development mode in tests). */
export async function relayed(http: string): Promise<Stats['operations']['relayed']> {
  return ((await (await fetch(`${http}/api/stats`)).json()) as Stats).operations.relayed
}

/** Only signaling ever went through the server: every relayed frame was an offer, an answer or a candidate. */
export async function expectOnlySignaling(http: string): Promise<Record<string, number>> {
  const { total, byType } = await relayed(http)
  expect(Object.keys(byType).every((t) => ['sdp-offer', 'sdp-answer', 'ice-candidate'].includes(t)), JSON.stringify(byType)).toBe(true)
  expect(Object.values(byType).reduce((a, b) => a + b, 0)).toBe(total)
  return byType
}
