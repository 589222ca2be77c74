/**
 * @module Dependency floors (issue 9; checklist 75): every copy of each runtime dependency, in package-lock.json and as
 * installed, is at or above the version that fixed its known advisories. The registry's audit endpoint cannot be
 * reached from here, so the advisories are written down below with their fixes; a dependency with none known is held
 * to the lowest version of the range we declare, so that a lockfile cannot drift below what was reviewed.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const json = (path: string) => JSON.parse(readFileSync(`${ROOT}/${path}`, 'utf8')) as Record<string, any>

/** name -> [lowest accepted version, why]. Every runtime dependency of package.json must be listed. */
const FLOORS: Record<string, [string, string]> = {
  ws: ['8.21.0', 'CVE-2024-37890 (8.17.1, header count DoS), CVE-2026-45736 (8.20.1, uninitialised memory in close reasons), CVE-2026-48779 (8.21.0, tiny-fragment OOM)'],
  hono: ['4.12.25', 'CVE-2025-62610 (4.10.2, JWT aud), CVE-2026-22817/22818 (4.11.4, JWK/JWT algorithm confusion), CVE-2026-54290 (4.12.25, CORS origin reflection)'],
  '@hono/node-server': ['2.0.10', 'GHSA-92pp-h63x-v22m (1.19.13, repeated-slash bypass), GHSA-frvp-7c67-39w9 (1.19.15), GHSA-9mqv-5hh9-4cgg (2.0.10, aborted WebSocket handshake leak)'],
  jose: ['6.0.0', 'CVE-2022-36083 (PBES2 iteration DoS) and CVE-2024-28176 (JWE decompression DoS), fixed on the 4.x line (4.9.2, 4.15.5) and in every later major'],
  zod: ['4.0.0', 'CVE-2023-4316 (email regex ReDoS, 3.22.3); 4.x is the line we use'],
  esbuild: ['0.25.0', 'GHSA-67mh-4wv8-2f99 (0.25.0, dev server answers any origin); build-time only'],
  ioredis: ['6.0.0', 'no known advisory: the lowest version of our range'],
  'prom-client': ['15.1.3', 'no known advisory: the lowest version of our range'],
  'hono-rate-limiter': ['0.5.4', 'no known advisory: the lowest version of our range'],
  '@hono/zod-validator': ['0.9.1', 'no known advisory: the lowest version of our range'],
  'ipaddr.js': ['2.5.0', 'no known advisory: the lowest version of our range'],
}

function atLeast(version: string, floor: string): boolean {
  const a = version.split(/[.+-]/).slice(0, 3).map(Number)
  const b = floor.split('.').map(Number)
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  return true
}

describe('dependency floors', () => {
  const pkg = json('package.json')
  const lock = json('package-lock.json')

  it('lists a floor for every runtime dependency', () => {
    expect(Object.keys(pkg.dependencies as object).sort()).toEqual(Object.keys(FLOORS).sort())
  })

  it.each(Object.entries(FLOORS))('%s: every copy in package-lock.json and the installed one are at least the floor', (name, [floor, why]) => {
    const copies = Object.entries(lock.packages as Record<string, { version?: string; dev?: boolean }>)
      .filter(([path, entry]) => path.endsWith(`node_modules/${name}`) && !entry.dev)
      .map(([path, entry]) => [path, entry.version ?? '?'] as const)
    expect(copies.length, `${name} is in package-lock.json`).toBeGreaterThan(0)
    for (const [path, version] of copies) expect(atLeast(version, floor), `${path}@${version} is below ${floor}: ${why}`).toBe(true)
    const installed = json(`node_modules/${name}/package.json`).version as string
    expect(atLeast(installed, floor), `installed ${name}@${installed} is below ${floor}: ${why}`).toBe(true)
  })

  it('compares versions numerically', () => {
    expect([atLeast('8.21.0', '8.21.0'), atLeast('8.9.9', '8.21.0'), atLeast('10.0.0', '9.9.9'), atLeast('4.12.24', '4.12.25')]).toEqual([true, false, true, false])
  })
})
