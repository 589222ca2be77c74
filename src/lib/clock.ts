/** @module Time source. Everything time-based takes a Clock so tests can move time. */

/** Wall-clock epoch milliseconds. Deadlines in storage are absolute values of this clock. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock a test can move by hand. */
export function createManualClock(start = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start
  return {
    now: () => current,
    advance: (ms) => {
      current += ms
    },
    set: (ms) => {
      current = ms
    },
  }
}
