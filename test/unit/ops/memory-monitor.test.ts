/** @module Memory monitor: thresholds on RSS, hysteresis on the way down, throttled pressure actions. */
import { describe, expect, it } from 'vitest'
import type { MemoryReading } from '../../../src/env.js'
import { silentLogger } from '../../../src/lib/logger.js'
import { createMemoryMonitor } from '../../../src/ops/memory-monitor.js'

const MB = 1024 * 1024

function setup() {
  let rssMb: number | null = 50
  let now = 0
  const actions: string[] = []
  const monitor = createMemoryMonitor({
    read: (): MemoryReading | null => (rssMb === null ? null : { rss: rssMb * MB, heapUsed: 10 * MB, heapTotal: 20 * MB, external: MB }),
    warningMb: 200,
    criticalMb: 300,
    logger: silentLogger,
    onPressure: (status) => actions.push(status),
    actionIntervalMs: 60_000,
    now: () => now,
  })
  /** Sets RSS, checks, returns the new status. */
  const at = (mb: number | null, t = now) => {
    rssMb = mb
    now = t
    monitor.check()
    return monitor.status
  }
  return { monitor, actions, at }
}

describe('memory monitor', () => {
  it('starts unknown and reports ok under the warning threshold', () => {
    const { monitor, at } = setup()
    expect(monitor.status).toBe('unknown')
    expect(at(199)).toBe('ok')
  })

  it('enters warning and critical at their thresholds and acts once on entering', () => {
    const { actions, at } = setup()
    expect(at(200)).toBe('warning')
    expect(at(250)).toBe('warning')
    expect(at(300)).toBe('critical')
    expect(actions).toEqual(['warning', 'critical'])
  })

  it('stays critical until RSS falls under 90% of the critical threshold', () => {
    const { at } = setup()
    at(310)
    expect(at(275)).toBe('critical')
    expect(at(270)).toBe('critical')
    expect(at(269)).toBe('warning')
  })

  it('stays in warning until RSS falls under 90% of the warning threshold', () => {
    const { at } = setup()
    at(210)
    expect(at(185)).toBe('warning')
    expect(at(180)).toBe('warning')
    expect(at(179)).toBe('ok')
  })

  it('does not enter warning from ok inside the hysteresis band', () => {
    const { at } = setup()
    expect(at(190)).toBe('ok')
    expect(at(199)).toBe('ok')
  })

  it('repeats the pressure action at most once per interval while under pressure', () => {
    const { actions, at } = setup()
    at(250, 0)
    at(250, 30_000)
    at(250, 59_999)
    expect(actions).toEqual(['warning'])
    at(250, 60_000)
    expect(actions).toEqual(['warning', 'warning'])
  })

  it('keeps its status when memory cannot be read', () => {
    const { monitor, at } = setup()
    at(250)
    expect(at(null)).toBe('warning')
    expect(monitor.snapshot()).toMatchObject({ status: 'warning', rssMb: null, heapUsedMb: null, thresholds: { warningMb: 200, criticalMb: 300 } })
  })

  it('reports memory in MB rounded to one decimal', () => {
    const { monitor, at } = setup()
    at(123.456)
    expect(monitor.snapshot()).toEqual({
      status: 'ok',
      rssMb: 123.5,
      heapUsedMb: 10,
      heapTotalMb: 20,
      externalMb: 1,
      thresholds: { warningMb: 200, criticalMb: 300 },
    })
  })
})
