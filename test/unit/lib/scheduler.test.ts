/** @module The manual scheduler: time moves only on advance, timers run in due order (ties in creation order). */
import { describe, expect, it } from 'vitest'
import { createManualScheduler } from '../../../src/lib/scheduler.js'

describe('manual scheduler', () => {
  it('moves time only on advance', () => {
    const s = createManualScheduler(1000)
    expect(s.now()).toBe(1000)
    s.advance(250)
    expect(s.now()).toBe(1250)
  })

  it('runs due timers in due order, each at its own time, and not before', () => {
    const s = createManualScheduler(0)
    const ran: [string, number][] = []
    s.after(30, () => ran.push(['c', s.now()]))
    s.after(10, () => ran.push(['a', s.now()]))
    s.after(20, () => ran.push(['b', s.now()]))
    s.advance(19)
    expect(ran).toEqual([['a', 10]])
    s.advance(100)
    expect(ran).toEqual([['a', 10], ['b', 20], ['c', 30]])
    expect(s.now()).toBe(119)
  })

  it('runs timers due at the same moment in creation order', () => {
    const s = createManualScheduler(0)
    const ran: number[] = []
    for (let i = 0; i < 5; i++) s.after(10, () => ran.push(i))
    s.after(0, () => ran.push(-1))
    s.advance(10)
    expect(ran).toEqual([-1, 0, 1, 2, 3, 4])
  })

  it('treats a negative delay as now', () => {
    const s = createManualScheduler(50)
    let at = -1
    s.after(-5, () => (at = s.now()))
    s.advance(0)
    expect(at).toBe(50)
  })

  it('repeats `every` timers at each period until cancelled', () => {
    const s = createManualScheduler(0)
    const at: number[] = []
    const t = s.every(10, () => at.push(s.now()))
    s.advance(35)
    expect(at).toEqual([10, 20, 30])
    t.cancel()
    s.advance(100)
    expect(at).toEqual([10, 20, 30])
  })

  it('interleaves `every` and `after` timers by due time', () => {
    const s = createManualScheduler(0)
    const ran: string[] = []
    s.every(10, () => ran.push(`every@${s.now()}`))
    s.after(15, () => ran.push(`after@${s.now()}`))
    s.after(20, () => ran.push(`after@${s.now()}`))
    s.advance(20)
    expect(ran).toEqual(['every@10', 'after@15', 'every@20', 'after@20'])
  })

  it('cancel is idempotent, also after the timer ran', () => {
    const s = createManualScheduler(0)
    let runs = 0
    const t = s.after(5, () => runs++)
    s.advance(5)
    t.cancel()
    t.cancel()
    const u = s.after(5, () => runs++)
    u.cancel()
    u.cancel()
    s.advance(50)
    expect(runs).toBe(1)
    expect(s.pending).toBe(0)
  })

  it('a timer cancelled by an earlier one due at the same moment does not run', () => {
    const s = createManualScheduler(0)
    const ran: string[] = []
    let second = { cancel: () => undefined as void }
    s.after(10, () => {
      ran.push('first')
      second.cancel()
    })
    second = s.after(10, () => ran.push('second'))
    s.advance(10)
    expect(ran).toEqual(['first'])
  })

  it('an `every` timer may cancel itself from its callback', () => {
    const s = createManualScheduler(0)
    let runs = 0
    const t = s.every(10, () => {
      if (++runs === 2) t.cancel()
    })
    s.advance(100)
    expect(runs).toBe(2)
    expect(s.pending).toBe(0)
  })

  it('runs a timer scheduled by a callback within the same advance when it falls due', () => {
    const s = createManualScheduler(0)
    const at: number[] = []
    s.after(10, () => s.after(5, () => at.push(s.now())))
    s.advance(14)
    expect(at).toEqual([])
    s.advance(1)
    expect(at).toEqual([15])
  })

  it('counts pending timers', () => {
    const s = createManualScheduler(0)
    s.after(10, () => undefined)
    const t = s.every(10, () => undefined)
    expect(s.pending).toBe(2)
    s.advance(10)
    expect(s.pending).toBe(1)
    t.cancel()
    expect(s.pending).toBe(0)
  })
})
