/** @module Benchmark results name no machine's paths (portablePaths), and the committed ones contain none. */
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../bench/lib/commands.js'
import { portablePaths } from '../bench/lib/paths.js'

describe('benchmark results paths', () => {
  it('rewrites the checkout, its parent and the temporary directory', () => {
    const text = JSON.stringify([join(ROOT, 'bundles/node.mjs'), join(dirname(ROOT), 'before/bundles/node.mjs'), join(tmpdir(), 'octp2p-x/node.mjs')])
    const [own, sibling, temporary] = JSON.parse(portablePaths(text)) as string[]
    expect([own, sibling]).toEqual(['./bundles/node.mjs', '../before/bundles/node.mjs'])
    // '$TMPDIR/...', or '../...' where the checkout itself sits in the temporary directory (a CI clone).
    expect(temporary).toMatch(/^(\$TMPDIR|\.\.)\/octp2p-x\/node\.mjs$/)
  })

  it('leaves no absolute path of this machine in the committed results', () => {
    const dir = join(ROOT, 'test/bench/results')
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8')
      expect(portablePaths(text), file).toBe(text)
    }
  })
})
