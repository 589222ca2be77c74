/**
 * @module Reads a V8 .cpuprofile: self and inclusive time per function within a time window, mapped
 * through the bundle's source map to the original file and line, and self time per package.
 */
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface FnTime {
  fn: string
  where: string
  pkg: string
  selfMs: number
  totalMs: number
}

export interface ProfileSummary {
  windowMs: number
  sampledMs: number
  functions: FnTime[]
  packages: { pkg: string; selfMs: number }[]
}

const maps = new Map<string, SourceMap | null>()
function mapFor(url: string): SourceMap | null {
  if (!maps.has(url)) {
    try {
      const file = fileURLToPath(url)
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))))
    } catch {
      maps.set(url, null)
    }
  }
  return maps.get(url) ?? null
}

/** Where a frame comes from: original source path and line when a source map knows it. */
function locate(cf: CallFrame): { where: string; pkg: string } {
  if (!cf.url) return { where: '(native)', pkg: cf.functionName.startsWith('(') ? cf.functionName : '(V8 builtins)' }
  if (cf.url.startsWith('node:')) return { where: `${cf.url}:${cf.lineNumber + 1}`, pkg: 'node: core' }
  const map = cf.url.startsWith('file:') ? mapFor(cf.url) : null
  const e = map?.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number } | undefined
  const src = e?.originalSource ? e.originalSource.replace(/^.*?(node_modules\/|src\/)/, '$1') : cf.url.replace(/^.*\//, '')
  const line = e?.originalLine !== undefined ? e.originalLine + 1 : cf.lineNumber + 1
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(src)?.[1] ?? (src.startsWith('src/') ? src : 'other')
  return { where: `${src}:${line}`, pkg }
}

/** Summarizes samples taken between `fromUs` and `toUs` (V8 monotonic µs; pass null for the whole profile). */
export function summarize(path: string, fromUs: number | null, toUs: number | null): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const key = new Map<number, string>()
  const info = new Map<string, FnTime>()
  for (const n of p.nodes) {
    const { where, pkg } = locate(n.callFrame)
    const fn = n.callFrame.functionName || '(anonymous)'
    const k = `${fn} ${where}`
    key.set(n.id, k)
    if (!info.has(k)) info.set(k, { fn, where, pkg, selfMs: 0, totalMs: 0 })
  }
  const from = fromUs ?? -Infinity
  const to = toUs ?? Infinity
  let t = p.startTime
  let sampledUs = 0
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0
    if (t < from || t > to) continue
    const dt = p.timeDeltas[i + 1] ?? 0
    sampledUs += dt
    const leaf = p.samples[i]!
    info.get(key.get(leaf)!)!.selfMs += dt / 1000
    const seen = new Set<string>()
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const k = key.get(id)!
      if (seen.has(k) || !byId.has(id)) continue
      seen.add(k)
      info.get(k)!.totalMs += dt / 1000
    }
  }
  const functions = [...info.values()].filter((f) => f.totalMs > 0)
  const pkgs = new Map<string, number>()
  for (const f of functions) pkgs.set(f.pkg, (pkgs.get(f.pkg) ?? 0) + f.selfMs)
  return {
    windowMs: (Math.min(to, p.endTime) - Math.max(from, p.startTime)) / 1000,
    sampledMs: sampledUs / 1000,
    functions,
    packages: [...pkgs].map(([pkg, selfMs]) => ({ pkg, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  }
}
