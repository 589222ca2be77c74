/**
 * @module `npm run soak [-- --seconds=N]` (default 120): runs the soak once and prints its summary line (and the
 * failures, if any). Exit code 0 when clean. Loopback only: a private redis-server and two server processes.
 */
import { runSoak } from './soak.js'

const arg = process.argv.find((a) => a.startsWith('--seconds='))
const seconds = arg ? Number(arg.slice('--seconds='.length)) : 120
if (!Number.isFinite(seconds) || seconds < 5 || seconds > 3600) {
  console.error('--seconds must be a number from 5 to 3600')
  process.exit(2)
}
const result = await runSoak(seconds)
for (const f of result.failures) console.error(`  ${f}`)
console.log(result.summary)
process.exit(result.ok ? 0 : 1)
