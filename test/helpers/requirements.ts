/**
 * @module Tests that need an outside component (Redis, Chromium, Bun) skip with a visible reason when
 * it is missing; with REQUIRE_ALL_COMPONENTS=1 (set by .ci/run) a missing component fails instead.
 */
import { existsSync } from 'node:fs'
import { connect } from 'node:net'

export const requireAll = process.env.REQUIRE_ALL_COMPONENTS === '1'

/** Returns true when the component is there; otherwise warns (skip) or throws (CI). */
export function need(component: string, available: boolean, hint: string): boolean {
  if (available) return true
  const message = `${component} is not available: ${hint}`
  if (requireAll) throw new Error(`${message} (REQUIRE_ALL_COMPONENTS=1 turns this skip into a failure)`)
  console.warn(`SKIPPED: ${message}`)
  return false
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const redisAvailable = () => tcpReachable('127.0.0.1', Number(new URL(REDIS_URL).port || 6379))
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const chromiumAvailable = () => existsSync(CHROMIUM_PATH)
export const BUN_PATH = 'node_modules/.bin/bun'
export const bunAvailable = () => existsSync(BUN_PATH)
