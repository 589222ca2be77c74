/**
 * @module Results files name no machine's paths: the checkout becomes `.`, its parent `..` (a before-build in a
 * sibling worktree), and the temporary directory `$TMPDIR`.
 */
import { tmpdir } from 'node:os'
import { dirname } from 'node:path'
import { ROOT } from './commands.js'

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `text` with the checkout, its parent and the temporary directory replaced by portable names. */
export function portablePaths(text: string, cwd = ROOT): string {
  const swaps: [string, string][] = [
    [cwd, '.'],
    [dirname(cwd), '..'],
    [tmpdir(), '$TMPDIR'],
  ]
  return swaps.reduce((t, [from, to]) => (from.length > 1 ? t.replace(new RegExp(`${escape(from)}(?=/|\\b)`, 'g'), to) : t), text)
}
