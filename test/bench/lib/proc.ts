/** @module Readers for a child's own resource use from /proc (Linux): CPU time, RSS, open files; plus a free-port helper. */
import { readFileSync, readdirSync } from 'node:fs'

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux x86-64). */
const CLK_TCK = 100

/** User + system CPU time of a process (all its threads), in milliseconds; 10 ms resolution. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  return ((utime + stime) * 1000) / CLK_TCK
}

/** Resident set size and its high-water mark, in bytes. */
export function rss(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 }
}

/** The process and its descendants, from /proc. */
function tree(pid: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // the process ended between listing and reading
    }
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parentOf) if (parent === out[i]) out.push(child)
  return out
}

const tryRead = <T>(fn: () => T, fallback: T): T => {
  try {
    return fn()
  } catch {
    return fallback
  }
}

/** CPU time of a process and every descendant (wrangler dev and its workerd processes), ms. */
export const treeCpuMs = (pid: number): number => tree(pid).reduce((sum, p) => sum + tryRead(() => cpuMs(p), 0), 0)

/** RSS of a process and every descendant, bytes. */
export const treeRss = (pid: number): number => tree(pid).reduce((sum, p) => sum + tryRead(() => rss(p).rss, 0), 0)

export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

export const loadAverage = (): number[] => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)

export { freePort } from '../../helpers/net.js'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** CPU time per thread name (e.g. main, 'V8 DefaultWorke' GC helpers, 'libuv-worker' thread pool), ms. */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(name, (out.get(name) ?? 0) + ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK)
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out
}

/** Per-thread-name difference of two threadCpuMs readings. */
export function threadDelta(a: Map<string, number>, b: Map<string, number>): [string, number][] {
  return [...b].map(([k, v]): [string, number] => [k, v - (a.get(k) ?? 0)]).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1])
}
