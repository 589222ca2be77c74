/** @module Conformance fixtures: the world contract, the injected clock's epoch, and record builders. */
import type { Backend, Channel, PeerRecord } from '../../../src/storage/types.js'

/** One shared state (a memory state, a Redis prefix) and the instances built over it. */
export interface BackendWorld {
  /** A backend for one instance; instances of one world see the same rooms, audit and bus. */
  instance(instanceId: string, opts?: { auditCapacity?: number }): Promise<Backend>
  /** Puts raw text on a bus channel, as a foreign publisher would (tests of what receivers do with bad text). */
  publishText?(channel: Channel, text: string): Promise<void>
  /** Closes every backend of the world and removes its state. */
  cleanup(): Promise<void>
}

export type WorldFactory = () => Promise<BackendWorld>

export interface ConformanceOptions {
  /**
   * Tests this adapter is known to fail, by exact name, with the reason. They run as `it.fails`, so the suite
   * reports when a gap is fixed and the entry must go. Real adapter differences belong here only until fixed.
   */
  knownGaps?: Record<string, string>
  /** Groups that cannot apply to this adapter by design, with the reason: shown as skipped with it. */
  notApplicable?: { bus?: string }
}

/** A test body that gets a fresh world, cleaned up after the test. */
export type WorldTest = (world: BackendWorld) => Promise<void>
export type Define = (name: string, body: WorldTest, timeoutMs?: number) => void

/** A fixed epoch for the injected clock: every `now` in the suite is an offset from it. */
export const T0 = 1_700_000_000_000

export function peer(roomId: string, userId: string, over: Partial<PeerRecord> = {}): PeerRecord {
  const base = { roomId, userId, userName: `${userId} name`, connectionId: `${userId}-c1`, instanceId: 'a' }
  return { ...base, joinedAt: T0, leaseUntil: T0 + 30_000, ...over }
}

export function join(b: Backend, p: PeerRecord, o: { maxPeers?: number; maxRooms?: number; now?: number } = {}) {
  return b.rooms.join({ peer: p, maxPeers: o.maxPeers ?? 16, maxRooms: o.maxRooms ?? 1000, now: o.now ?? T0 })
}

export const sweepAt = (b: Backend, now: number, o: { inactivityMs?: number; emptyGraceMs?: number } = {}) =>
  b.rooms.sweep({ now, inactivityMs: o.inactivityMs ?? 10_800_000, emptyGraceMs: o.emptyGraceMs ?? 30_000 })
