/** @module Token bucket: burst, lazy refill at the rate, cap at the burst, no refill when time goes backwards. */
import { describe, expect, it } from 'vitest'
import { createBucket, takeToken } from '../../../src/lib/token-bucket.js'

/** How many tokens can be taken at `now` before the bucket refuses. */
function drain(bucket: ReturnType<typeof createBucket>, now: number, rate: number, burst: number): number {
  let taken = 0
  while (takeToken(bucket, now, rate, burst)) taken++
  return taken
}

describe('token bucket', () => {
  it('allows a full burst at once, then refuses', () => {
    const b = createBucket(5, 1000)
    expect(drain(b, 1000, 10, 5)).toBe(5)
    expect(takeToken(b, 1000, 10, 5)).toBe(false)
  })

  it('refills at the rate per second', () => {
    const b = createBucket(5, 0)
    drain(b, 0, 10, 5)
    expect(takeToken(b, 50, 10, 5)).toBe(false)
    expect(takeToken(b, 100, 10, 5)).toBe(true)
    expect(takeToken(b, 100, 10, 5)).toBe(false)
    expect(drain(b, 400, 10, 5)).toBe(3)
  })

  it('never refills above the burst, however long it was idle', () => {
    const b = createBucket(3, 0)
    drain(b, 0, 100, 3)
    expect(drain(b, 3_600_000, 100, 3)).toBe(3)
  })

  it('does not refill when the clock goes backwards', () => {
    const b = createBucket(2, 10_000)
    drain(b, 10_000, 1000, 2)
    expect(takeToken(b, 5_000, 1000, 2)).toBe(false)
    expect(takeToken(b, 10_000, 1000, 2)).toBe(false)
    expect(takeToken(b, 10_001, 1000, 2)).toBe(true)
  })
})
