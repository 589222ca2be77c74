/**
 * @module The `--ab` table: two node bundles side by side (before runs as `node`, after as `node-exp`), each
 * metric as median [min-max] over the alternated rounds, the ratio after/before, and whether the two ranges
 * overlap: a difference inside the run-to-run spread is not a finding.
 */
import type { Options } from './args.js'
import type { BundleSnapshot, BundleSource } from './build.js'
import { fmt, rows, type Medians, type Ranges, type Row } from './report.js'

/** One line naming a side: file, commit of its checkout, src changes not in that commit, hash. */
export function describeSide(s: BundleSource | undefined): string {
  if (!s) return 'missing'
  const dirty = s.uncommittedSrc.length ? ` + ${s.uncommittedSrc.length} uncommitted src changes` : ''
  const stale = s.olderThanSrc ? ' (WARNING: bundle older than its src/, rebuild it)' : ''
  return `\`${s.path}\` at ${s.commit ?? 'no git checkout'}${dirty}, sha256 ${s.sha256}${stale}`
}

export function abSidesText(b: BundleSnapshot): string {
  return [`- before (\`node\`): ${describeSide(b.sources['node.mjs'])}`, `- after (\`node-exp\`): ${describeSide(b.sources['node-exp.mjs'])}`].join('\n')
}

function side(row: Row, medians: Medians, ranges: Ranges, kind: 'node' | 'node-exp'): string {
  const m = medians[row.key]?.[kind]
  const r = ranges[row.key]?.[kind]
  if (m === undefined || !Number.isFinite(m) || !r) return '–'
  return r.n > 1 ? `${fmt(m, row.digits)} [${fmt(r.min, row.digits)}–${fmt(r.max, row.digits)}]` : `${fmt(m, row.digits)} (1 run)`
}

/** 'within spread' when the two ranges overlap, else which way the after side moved. */
function reading(row: Row, ranges: Ranges): string {
  const a = ranges[row.key]?.node
  const b = ranges[row.key]?.['node-exp']
  if (!a || !b || a.n < 2 || b.n < 2) return '–'
  if (b.min <= a.max && a.min <= b.max) return 'within spread'
  const lower = b.max < a.min
  return lower === (row.better === 'lower') ? 'after better' : 'after worse'
}

/**
 * How often two runs of one build give n-run ranges that do not overlap: the smallest or largest of 2n
 * exchangeable values falls on one side with all n of that side beyond the other's, 2 * n!^2 / (2n)!.
 */
export function chanceOfNoOverlap(n: number): number {
  let p = 2
  for (let i = 1; i <= n; i++) p *= i / (n + i)
  return p
}

export function abTable(o: Options, medians: Medians, ranges: Ranges): string {
  const lines = rows(o)
    .filter((r) => medians[r.key]?.node !== undefined || medians[r.key]?.['node-exp'] !== undefined)
    .map((r) => {
      const a = medians[r.key]?.node
      const b = medians[r.key]?.['node-exp']
      const ratio = a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(b / a).toFixed(2)}x` : '–'
      return `| ${r.label} | ${side(r, medians, ranges, 'node')} | ${side(r, medians, ranges, 'node-exp')} | ${ratio} | ${reading(r, ranges)} |`
    })
  const n = Math.min(...Object.values(ranges).flatMap((g) => Object.values(g).map((r) => r.n)))
  const caveat = Number.isFinite(n) && n > 1
    ? `\n\nWith ${n} runs a side, two identical builds give ranges that do not overlap in ${(chanceOfNoOverlap(n) * 100).toFixed(1)}% of rows by chance alone: read a row marked better or worse as a finding only when it repeats (or with more --reps).`
    : ''
  return ['| metric: median [min–max] | before | after | after/before | ranges |', '|---|---:|---:|---:|---|', ...lines].join('\n') + caveat
}
