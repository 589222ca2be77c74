/**
 * @module Bench preload: on SIGUSR2, force a full GC and print one BENCH-MEM line (Node with --expose-gc,
 * or Bun). On SIGTERM, exit normally (so `--cpu-prof` writes its profile) unless the server handles it.
 */
process.on('SIGUSR2', () => {
  const bun = globalThis.Bun
  if (bun) bun.gc(true)
  else globalThis.gc?.()
  const m = process.memoryUsage()
  process.stdout.write(`BENCH-MEM ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`)
})
process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') === 1) process.exit(0)
})
