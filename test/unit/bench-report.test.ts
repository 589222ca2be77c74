/** @module The results table: each median with its single runs' range and its ratio to ours on Node. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../bench/lib/commands.js'
import { markdownTable, type Medians, type Ranges } from '../bench/lib/report.js'

describe('benchmark results table', () => {
  const o = JSON.parse(readFileSync(join(ROOT, 'test/bench/results/latest.json'), 'utf8')).options
  const storm = 'storm.cpuUsPerMsg'
  const medians: Medians = { [storm]: { node: 10, peerjs: 20 } }
  const line = (table: string) => table.split('\n').find((l) => l.startsWith('| storm: server CPU per relayed signal'))

  it('shows [min–max] of the single runs next to each median when there were several, and the ratio after it', () => {
    const ranges: Ranges = { [storm]: { node: { min: 9, max: 12.5, n: 3 }, peerjs: { min: 20, max: 20, n: 1 } } }
    const table = markdownTable({ ...o, servers: ['node', 'peerjs'] }, medians, ranges)
    expect(table.split('\n')[0]).toBe('| metric (median [min–max]) | ours (Node) | PeerJS 1.0.2 |')
    expect(line(table)).toBe('| storm: server CPU per relayed signal (µs) | 10.0 [9.0–12.5] | 20.0 (2.00x) |')
  })

  it('shows medians alone without ranges', () => {
    expect(line(markdownTable({ ...o, servers: ['node', 'peerjs'] }, medians))).toBe('| storm: server CPU per relayed signal (µs) | 10.0 | 20.0 (2.00x) |')
  })
})
