/** @module Loopback helpers shared by the tests and the benchmark (no imports from src/). */
import { createServer } from 'node:net'

/** A TCP port that was free a moment ago on loopback (for servers that cannot take PORT=0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
