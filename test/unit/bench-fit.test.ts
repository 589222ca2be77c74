/** @module The idle scenario's levels and its least-squares line (the 50,000-peer estimate rests on them). */
import { describe, expect, it } from 'vitest'
import { fitLine, idleLevels } from '../bench/scenarios/idle.js'

describe('idle scenario fit', () => {
  it('measures at five levels from N/5 to N2, N and N2 among them', () => {
    expect(idleLevels(10_000, 19_000)).toEqual([2000, 5000, 10_000, 14_500, 19_000])
    expect(idleLevels(2000, 2000)).toEqual([400, 1000, 2000])
  })

  it('fits a line exactly through collinear points and by least squares otherwise', () => {
    expect(fitLine([[0, 1], [1, 3], [2, 5]])).toEqual({ slope: 2, intercept: 1 })
    const { slope, intercept } = fitLine([[0, 0], [1, 1], [2, 1], [3, 2]])
    expect(slope).toBeCloseTo(0.6, 10)
    expect(intercept).toBeCloseTo(0.1, 10)
  })
})
