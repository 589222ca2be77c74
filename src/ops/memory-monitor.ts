/**
 * @module Memory watch on RSS (what a 512 MB host kills on). Warning triggers cleanup; critical also
 * refuses new connections until RSS falls back under 90% of the threshold.
 */
import type { MemoryReading } from '../env.js'
import type { Logger } from '../lib/logger.js'

export type MemoryStatus = 'ok' | 'warning' | 'critical' | 'unknown'

const MB = 1024 * 1024
/** A level clears only below this fraction of its threshold, so the status does not flap. */
const HYSTERESIS = 0.9

export interface MemoryMonitorOptions {
  read: () => MemoryReading | null
  warningMb: number
  criticalMb: number
  logger: Logger
  /** Called on entering warning or critical, and while there at most once per `actionIntervalMs`. */
  onPressure: (status: 'warning' | 'critical') => void
  actionIntervalMs: number
  now: () => number
}

export type MemoryMonitor = ReturnType<typeof createMemoryMonitor>

export function createMemoryMonitor(o: MemoryMonitorOptions) {
  let status: MemoryStatus = 'unknown'
  let lastAction = Number.NEGATIVE_INFINITY

  function next(rssMb: number): MemoryStatus {
    if (rssMb >= o.criticalMb) return 'critical'
    if (status === 'critical' && rssMb >= o.criticalMb * HYSTERESIS) return 'critical'
    if (rssMb >= o.warningMb) return 'warning'
    if (status === 'warning' && rssMb >= o.warningMb * HYSTERESIS) return 'warning'
    return 'ok'
  }

  return {
    get status() {
      return status
    },
    /** Reads memory, updates the status and acts on pressure. */
    check() {
      const reading = o.read()
      if (!reading) return null
      const rssMb = reading.rss / MB
      const before = status
      status = next(rssMb)
      if (status !== before && status !== 'ok') o.logger.warn('memory status changed', { from: before, to: status, rssMb: Math.round(rssMb) })
      const now = o.now()
      if ((status === 'warning' || status === 'critical') && (status !== before || now - lastAction >= o.actionIntervalMs)) {
        lastAction = now
        o.onPressure(status)
      }
      return reading
    },
    snapshot() {
      const r = o.read()
      const mb = (n: number) => Math.round((n / MB) * 10) / 10
      return {
        status,
        rssMb: r ? mb(r.rss) : null,
        heapUsedMb: r ? mb(r.heapUsed) : null,
        heapTotalMb: r ? mb(r.heapTotal) : null,
        externalMb: r ? mb(r.external) : null,
        thresholds: { warningMb: o.warningMb, criticalMb: o.criticalMb },
      }
    },
  }
}
