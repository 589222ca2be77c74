/**
 * @module Makes sure bundles/node.mjs and bundles/bun.js are newer than every file under src/, then copies
 * them (with source maps) to a private directory for the run: others may rebuild bundles/ mid-run, and one
 * run must measure one build. Records what was measured (hashes, git commit, uncommitted src changes).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../../..')
const BUNDLES = ['bundles/node.mjs', 'bundles/bun.js']

function newestUnder(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Builds when a bundle is missing or older than the sources; returns what it did. */
export function ensureBundles(): string {
  const src = newestUnder(join(ROOT, 'src'))
  const stale = BUNDLES.filter((b) => !existsSync(join(ROOT, b)) || statSync(join(ROOT, b)).mtimeMs < src)
  if (stale.length === 0) return 'bundles up to date'
  const r = spawnSync(process.execPath, ['bundles/build.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`)
  return `rebuilt (${stale.join(', ')} older than src/)`
}

const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 }).trim()
  } catch {
    return null
  }
}

export interface BundleSnapshot {
  dir: string
  commit: string | null
  /** `git status --porcelain src` lines: src changes not in the commit. */
  uncommittedSrc: string[]
  sha256: Record<string, string>
}

/** Copies the bundles to a fresh directory that the servers of this run start from. */
export function snapshotBundles(): BundleSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-bench-bundles-'))
  const sha256: Record<string, string> = {}
  for (const b of BUNDLES) {
    const name = b.replace('bundles/', '')
    copyFileSync(join(ROOT, b), join(dir, name))
    if (existsSync(join(ROOT, `${b}.map`))) copyFileSync(join(ROOT, `${b}.map`), join(dir, `${name}.map`))
    sha256[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex').slice(0, 16)
  }
  const status = git(['status', '--porcelain', '--', 'src'])
  return { dir, commit: git(['rev-parse', '--short', 'HEAD']), uncommittedSrc: status ? status.split('\n') : [], sha256 }
}
