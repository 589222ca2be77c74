/**
 * Preload for `test/bench/gc.ts --alloc`: SIGUSR2 starts V8's sampling heap profiler with collected objects counted
 * (what was allocated, not what is still live), the next SIGUSR2 stops it and writes the profile to $ALLOC_OUT.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const session = new Session()
session.connect()
session.post('HeapProfiler.enable')
let sampling = false
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true
    session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true })
    return
  }
  session.post('HeapProfiler.stopSampling', (err, r) => {
    sampling = false
    if (err) console.error('stopSampling failed', err)
    else writeFileSync(process.env.ALLOC_OUT, JSON.stringify(r.profile))
  })
})
