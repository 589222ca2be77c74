/** @module Token bucket for per-socket message rates. Plain numbers, no timers: refilled lazily on take. */

export interface TokenBucket {
  tokens: number
  last: number
}

export const createBucket = (burst: number, now: number): TokenBucket => ({ tokens: burst, last: now })

/** Takes `cost` tokens (all or none); refills at `ratePerSec` up to `burst`. Returns false when there are too few. */
export function takeToken(b: TokenBucket, now: number, ratePerSec: number, burst: number, cost = 1): boolean {
  if (now > b.last) {
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) * ratePerSec) / 1000)
    b.last = now
  }
  if (b.tokens < cost) return false
  b.tokens -= cost
  return true
}
