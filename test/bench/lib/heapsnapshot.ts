/** @module Reads a V8 .heapsnapshot into counts and self sizes per (node type, constructor or name). */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sleep } from './proc.js'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

export type HeapCensus = Map<string, { count: number; size: number }>

export function census(path: string): HeapCensus {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const fields = s.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const types = s.snapshot.meta.node_types[0]
  const out: HeapCensus = new Map()
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!] ?? '?'
    let name = s.strings[s.nodes[i + nameAt]!] ?? '?'
    // Strings and code are named by their content; group them by type instead.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'code' || type === 'number') name = ''
    if (name.length > 60) name = `${name.slice(0, 57)}...`
    const key = `${type} ${name}`.trim()
    const e = out.get(key) ?? { count: 0, size: 0 }
    e.count++
    e.size += s.nodes[i + sizeAt]!
    out.set(key, e)
  }
  return out
}

/** What grew from `a` to `b`, per unit (e.g. per connected peer), largest first. */
export function growth(a: HeapCensus, b: HeapCensus, units: number) {
  const keys = new Set([...a.keys(), ...b.keys()])
  return [...keys]
    .map((key) => {
      const x = a.get(key) ?? { count: 0, size: 0 }
      const y = b.get(key) ?? { count: 0, size: 0 }
      return { key, countPerUnit: (y.count - x.count) / units, bytesPerUnit: (y.size - x.size) / units }
    })
    .sort((p, q) => q.bytesPerUnit - p.bytesPerUnit)
}

/**
 * Signals a server started with `--heapsnapshot-signal=SIGUSR1 --diagnostic-dir=<dir>` to write a snapshot, and
 * resolves with its path once the file stops growing.
 */
export async function takeSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir))
  process.kill(pid, 'SIGUSR1')
  for (let i = 0; i < 600; i++) {
    await sleep(200)
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f))
    if (!file) continue
    const size = statSync(join(dir, file)).size
    await sleep(500)
    if (size > 0 && statSync(join(dir, file)).size === size) return join(dir, file)
  }
  throw new Error(`no heap snapshot from process ${pid}`)
}
