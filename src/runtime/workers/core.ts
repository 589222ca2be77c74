/**
 * @module The core as the Worker and every room object build it: the same config (AUTH_SECRET required), the memory
 * store, and the directory object for what spans rooms (audit trail, rate-limit counters; for a room object also the
 * room set). hono-rate-limiter's MemoryStore would hold an interval, which keeps an object from hibernating.
 */
import { createApp } from '../../app.js'
import { randomId } from '../../lib/ids.js'
import { createLogger } from '../../lib/logger.js'
import { systemScheduler, type Scheduler } from '../../lib/scheduler.js'
import { createMemoryBackend } from '../../storage/memory.js'
import { adapterDeps } from '../adapter.js'
import { workersConfig } from './config.js'
import { directoryAudit, directoryOf, directoryRateStore } from './directory.js'
import { directoryRooms } from './room-store.js'
import { getConnInfo, socketPort, upgradeWebSocket } from './socket.js'
import type { WorkerEnv } from './worker-env.js'

/** What workerd does not expose: process memory, a forced GC. */
const NOT_ON_WORKERD = { readMemory: () => null, gc: null }

export interface WorkersCoreOptions {
  /** A room object's: its rooms are reserved in the directory, its timers run from its alarm. */
  roomObject?: { scheduler: Scheduler }
}

export function createWorkersCore(env: WorkerEnv, o: WorkersCoreOptions = {}) {
  const config = workersConfig(env)
  const logger = createLogger(config.logLevel)
  const instanceId = randomId()
  const dir = directoryOf(env.DIRECTORY)
  const memory = createMemoryBackend({ instanceId, auditCapacity: config.auditLogSize, logger })
  const rooms = o.roomObject ? directoryRooms(memory.rooms, dir) : memory.rooms
  const backend = { ...memory, name: 'durable-objects', rooms, audit: directoryAudit(dir, config.auditLogSize) }
  const scheduler = o.roomObject?.scheduler ?? systemScheduler
  const rateLimitStore = (name: string) => directoryRateStore(dir, name)
  const core = createApp({ config, backend, scheduler, logger, instanceId, ...adapterDeps({ upgradeWebSocket, socketPort, getConnInfo }), ...NOT_ON_WORKERD, rateLimitStore })
  return { core, config, logger, dir, memory, backend, scheduler }
}
