/**
 * @module Launches headless Chromium with the WebRTC-on-loopback flags (platform-notes section 7) and can tell
 * whether any process it started is still alive after `close()`.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
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
