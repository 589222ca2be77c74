/** @module The memory adapter runs the storage conformance suite; instances of one world share one MemoryState. */
import { createMemoryBackend, createMemoryState, type MemoryState } from '../../src/storage/memory.js'
import { publishText } from '../../src/storage/memory-bus.js'
import type { Backend } from '../../src/storage/types.js'
import { runBackendConformance } from './conformance.js'

runBackendConformance(
  'memory',
  async () => {
    let state: MemoryState | null = null
    const backends: Backend[] = []
    return {
      async instance(instanceId, opts = {}) {
        // The audit capacity belongs to the shared state, so the world's first instance sets it.
        state ??= createMemoryState(opts.auditCapacity)
        const backend = createMemoryBackend({ instanceId, state })
        backends.push(backend)
        return backend
      },
      async publishText(channel, text) {
        state ??= createMemoryState()
        publishText(state.subscribers, channel, text, null)
      },
      async cleanup() {
        await Promise.all(backends.map((b) => b.close()))
      },
    }
  },
  {},
)
