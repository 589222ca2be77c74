/**
 * @module Launches headless Chromium with the WebRTC-on-loopback flags (platform-notes section 7) and can tell
 * whether any process it started is still alive after `close()`.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core'
import { CHROMIUM_PATH } from '../helpers/requirements.js'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // With camera/microphone permission granted to the page origin, these make Chromium gather 127.0.0.1 host candidates.
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]

/** Environment variable that every process of one launch inherits, so its processes can be found in /proc. */
const TAG = 'OCTATECODE_BROWSER_TEST'

const readOr = (path: string, fallback: string): string => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}

/** Pids of live (not zombie) processes carrying `TAG=run` in their environment; empty where /proc does not exist. */
function liveProcesses(run: string): number[] {
  if (!existsSync('/proc/self/environ')) return []
  const needle = `${TAG}=${run}\0`
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && readOr(`/proc/${d}/environ`, '').includes(needle))
    .filter((d) => !/^\d+ \(.*\) Z/.test(readOr(`/proc/${d}/stat`, '0 (x) Z')))
    .map(Number)
}

export interface LaunchedChromium {
  browser: Browser
  /** Pids of this launch's live processes. */
  pids(): number[]
  /** Closes the browser and returns the pids of its processes still alive 2 s later (expected: none). */
  close(): Promise<number[]>
}

/** Starts Chromium from CHROMIUM_PATH with a fresh temporary profile. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const run = randomUUID()
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS, env: { ...process.env, [TAG]: run } })
  return {
    browser,
    pids: () => liveProcesses(run),
    async close() {
      await browser.close()
      const deadline = Date.now() + 2000
      let left = liveProcesses(run)
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        left = liveProcesses(run)
      }
      return left
    },
  }
}

/**
 * Runs in every page before its own scripts: the page's RTCPeerConnections accept only loopback and relay candidates
 * from their peers (trickled or inside a remote description), so that outside a network namespace no test sends
 * WebRTC traffic to eth0's address (platform-notes section 7). Relay candidates are coturn's, on 127.0.0.1.
 */
function keepLoopbackCandidates() {
  const allowed = (line: string) => / (127\.\d+\.\d+\.\d+|::1) \d+ typ (host|relay)\b/.test(line)
  const proto = RTCPeerConnection.prototype
  const addIceCandidate = proto.addIceCandidate as (c?: RTCIceCandidateInit) => Promise<void>
  proto.addIceCandidate = function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | null) {
    const line = candidate?.candidate
    if (line && !allowed(line)) return Promise.resolve()
    return addIceCandidate.call(this, candidate ?? undefined)
  } as typeof proto.addIceCandidate
  const setRemoteDescription = proto.setRemoteDescription as (d?: RTCSessionDescriptionInit) => Promise<void>
  proto.setRemoteDescription = function (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) {
    const sdp = description?.sdp?.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || allowed(l)).join('\r\n')
    return setRemoteDescription.call(this, description && { type: description.type, sdp })
  } as typeof proto.setRemoteDescription
}

/**
 * A browser context for WebRTC on loopback: the camera/microphone grant for `origin` (without it Chromium gathers no
 * loopback candidates) and peers that accept loopback candidates only.
 */
export async function loopbackContext(browser: Browser, origin: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  await context.grantPermissions(['camera', 'microphone'], { origin })
  await context.addInitScript(keepLoopbackCandidates)
  return context
}
