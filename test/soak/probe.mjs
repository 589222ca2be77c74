/**
 * @module Soak preload (node --expose-gc --import): counts the process's live timers (setTimeout / setInterval that
 * have neither fired nor been cleared; unref'd ones included, which getActiveResourcesInfo leaves out) and, on
 * SIGUSR2, forces full GCs and prints one SOAK-PROBE line: heap, RSS, open file descriptors, live timers.
 *
 * With SOAK_SNAPSHOTS=<dir> it also writes a heap snapshot, which the soak reads to leave V8's own code out of the heap
 * figure (see soak.ts).
 */
import { readdirSync } from 'node:fs'
import { writeHeapSnapshot } from 'node:v8'

const live = new Set()
const idOf = (t) => (t !== null && typeof t === 'object' ? +t : t)
const { setTimeout: st, clearTimeout: ct, setInterval: si, clearInterval: ci } = globalThis

globalThis.setTimeout = function (fn, ms, ...args) {
  let id
  const wrapped =
    typeof fn === 'function'
      ? function (...a) {
          live.delete(id)
          return fn.apply(this, a)
        }
      : fn
  const t = st(wrapped, ms, ...args)
  id = +t
  live.add(id)
  return t
}
globalThis.clearTimeout = (t) => {
  live.delete(idOf(t))
  return ct(t)
}
globalThis.setInterval = function (fn, ms, ...args) {
  const t = si(fn, ms, ...args)
  live.add(+t)
  return t
}
globalThis.clearInterval = (t) => {
  live.delete(idOf(t))
  return ci(t)
}

const turn = () => new Promise((r) => st(r, 20))

/** GC, then a turn for FinalizationRegistry callbacks (they hold objects until they run), then GC again. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await turn()
  }
  globalThis.gc?.()
}

process.on('SIGUSR2', async () => {
  await settle()
  const m = process.memoryUsage()
  const probe = { heapUsed: m.heapUsed, rss: m.rss, fds: readdirSync('/proc/self/fd').length, timers: live.size }
  if (process.env.SOAK_SNAPSHOTS) probe.snapshot = writeHeapSnapshot(`${process.env.SOAK_SNAPSHOTS}/soak-${process.pid}-${Date.now()}.heapsnapshot`)
  process.stdout.write(`SOAK-PROBE ${JSON.stringify(probe)}\n`)
})
