/**
 * @module Makes sure bundles/node.mjs and bundles/bun.js are newer than every file under src/, then copies
 * them (with source maps) to a private directory for the run: others may rebuild bundles/ mid-run, and one
 * run must measure one build. Records what was measured (hashes, git commit, uncommitted src changes).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'

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

const git = (args: string[], cwd = ROOT) => {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

/** Where one measured bundle came from, so that an A/B names what each side was. */
export interface BundleSource {
  path: string
  sha256: string
  /** HEAD of the git checkout that holds the file (null outside one, e.g. a patched copy in /tmp). */
  commit: string | null
  /** `git status --porcelain src` lines of that checkout: src changes not in the commit. */
  uncommittedSrc: string[]
  /** A file under that checkout's src/ is newer than the bundle: it may not be a build of what is there. */
  olderThanSrc: boolean
}

function describeSource(path: string, copy: string): BundleSource {
  const sha256 = createHash('sha256').update(readFileSync(copy)).digest('hex').slice(0, 16)
  const top = git(['rev-parse', '--show-toplevel'], dirname(path))
  if (!top) return { path, sha256, commit: null, uncommittedSrc: [], olderThanSrc: false }
  const status = git(['status', '--porcelain', '--', 'src'], top)
  const src = join(top, 'src')
  return {
    path,
    sha256,
    commit: git(['rev-parse', '--short', 'HEAD'], top),
    uncommittedSrc: status ? status.split('\n') : [],
    olderThanSrc: existsSync(src) && newestUnder(src) > statSync(path).mtimeMs,
  }
}

export interface BundleSnapshot {
  dir: string
  /** This checkout's HEAD and src changes (what `node` and `bun` run unless --ab names another bundle). */
  commit: string | null
  uncommittedSrc: string[]
  sha256: Record<string, string>
  /** Per copied file: node.mjs, bun.js and, for `node-exp`, node-exp.mjs. */
  sources: Record<string, BundleSource>
  /** The private copy that `node-exp` starts, or null. */
  exp: string | null
}

/**
 * Copies the bundles to a fresh directory that the servers of this run start from: node.mjs from `node`
 * (default bundles/node.mjs), bun.js from bundles/, and `exp` (the node-exp side) when given.
 */
export function snapshotBundles(from: { node?: string; exp?: string | null } = {}): BundleSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-bench-bundles-'))
  // The exp copy keeps its file name in a folder of its own, so that its sourceMappingURL finds its own map.
  const files: [name: string, path: string, copy: string][] = [
    ['node.mjs', resolve(from.node ?? join(ROOT, 'bundles/node.mjs')), join(dir, 'node.mjs')],
    ['bun.js', join(ROOT, 'bundles/bun.js'), join(dir, 'bun.js')],
  ]
  if (from.exp) {
    mkdirSync(join(dir, 'exp'))
    files.push(['node-exp.mjs', resolve(from.exp), join(dir, 'exp', basename(from.exp))])
  }
  const sources: Record<string, BundleSource> = {}
  for (const [name, path, copy] of files) {
    if (!existsSync(path)) throw new Error(`bundle not found: ${path}`)
    copyFileSync(path, copy)
    if (existsSync(`${path}.map`)) copyFileSync(`${path}.map`, `${copy}.map`)
    sources[name] = describeSource(path, copy)
  }
  const sha256 = Object.fromEntries(Object.entries(sources).map(([name, s]) => [name, s.sha256]))
  const status = git(['status', '--porcelain', '--', 'src'])
  return { dir, commit: git(['rev-parse', '--short', 'HEAD']), uncommittedSrc: status ? status.split('\n') : [], sha256, sources, exp: files[2]?.[2] ?? null }
}
