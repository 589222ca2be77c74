/**
 * @module The storage ports. The core talks only to these; memory and Redis implement them and run one
 * conformance suite (test/storage/conformance.ts).
 *
 * Conventions every adapter MUST follow:
 * - every method is async, also in memory;
 * - deadlines are absolute epoch-ms values from the caller's Clock; a passed deadline means absent;
 * - absence is `null` for a record and `[]` for a collection; deletes are idempotent;
 * - expected outcomes are result values; only infrastructure failures throw (StoreError with `cause`);
 * - after `close()` every method rejects with StoreError.
 */
import type { Store } from 'hono-rate-limiter'

export { AuditEventSchema, PeerRecordSchema, RoomRecordSchema, type AuditEvent, type PeerRecord, type RoomRecord } from './records.js'
import type { AuditEvent, PeerRecord, RoomRecord } from './records.js'
export { channels, type BusEnvelope, type Channel, type SignalBus } from './bus.js'
import type { SignalBus } from './bus.js'

export interface JoinRequest {
  peer: PeerRecord
  maxPeers: number
  /** Refuse to create a new room when this many rooms exist. */
  maxRooms: number
  now: number
}

export type JoinResult =
  | {
      ok: true
      room: RoomRecord
      /** The other peers after the join: the `auth` reply needs no second read that could race. */
      peers: PeerRecord[]
      /** The same user's previous record in this room, now removed; its socket must be closed. */
      replaced: PeerRecord | null
      created: boolean
    }
  | { ok: false; reason: 'room_full' | 'rooms_exhausted' }

export interface ResumeRequest {
  /** The session's record on its new connection (new connectionId and instanceId, the session's joinedAt). */
  peer: PeerRecord
  /** The connection the session had: the move happens only while the user's record still names it. */
  fromConnectionId: string
  now: number
}

export type ResumeResult =
  | {
      ok: true
      /** The other live peers, as a join returns them. */
      peers: PeerRecord[]
      /** The record as it was before the move. */
      previous: PeerRecord
    }
  | { ok: false }

export interface SweepOptions {
  now: number
  inactivityMs: number
  emptyGraceMs: number
}

export interface SweepResult {
  /** Peers removed because their lease passed; each is returned to exactly one caller cluster-wide. */
  expiredPeers: PeerRecord[]
  /** Rooms deleted (empty past the grace, or inactive), with the peers they still held. */
  deletedRooms: { roomId: string; reason: 'empty' | 'inactive'; peers: PeerRecord[] }[]
}

/** Shared room and membership state. */
export interface RoomStore {
  /**
   * Atomic join: creates the room if absent (unless `maxRooms` rooms exist), replaces the same user's
   * previous record, refuses when the room holds `maxPeers` other users. One round trip on Redis.
   */
  join(req: JoinRequest): Promise<JoinResult>
  /**
   * Atomic resume: moves the user's record to `peer` (keeping its place in join order) only when the current record
   * is `fromConnectionId` and its lease has not passed; otherwise `{ ok: false }` and nothing changes. Whoever moves
   * a session first wins: a second resume with the same `fromConnectionId`, or a leave of it, finds nothing.
   */
  resume(req: ResumeRequest): Promise<ResumeResult>
  /** Removes the peer only when `connectionId` matches. Idempotent. */
  leave(roomId: string, userId: string, connectionId: string, now: number): Promise<{ removed: PeerRecord | null; remaining: number }>
  getRoom(roomId: string, now: number): Promise<RoomRecord | null>
  /** Every room, read one by one: O(rooms). Admin listings only; never on a path an unauthenticated caller can drive. */
  listRooms(now: number): Promise<RoomRecord[]>
  /**
   * Rooms held and peer records held, in O(1) (the pre-join check and /api/stats; issue 9 finding 1). Peers whose lease
   * passed count until the sweep removes them; on Redis, rooms include joins reserving their room at this instant.
   */
  counts(): Promise<{ rooms: number; peers: number }>
  /** Live peers (lease not passed), oldest first. */
  listPeers(roomId: string, now: number): Promise<PeerRecord[]>
  /** Records activity in a room (it resets the inactivity clock). No-op for a missing room. */
  touchRoom(roomId: string, now: number): Promise<void>
  /** Extends the lease of every peer held by `instanceId` (the Redis adapter renews the peers joined through it). */
  renewLeases(instanceId: string, leaseUntil: number): Promise<void>
  /** Deletes a room and returns the peers it held. Idempotent. */
  deleteRoom(roomId: string): Promise<PeerRecord[]>
  /** Removes expired peers and rooms; every removed item is reported to exactly one caller. */
  sweep(opts: SweepOptions): Promise<SweepResult>
}

/** Bounded audit trail (ring buffer in memory, capped stream in Redis). Never holds tokens. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>
  /** Newest first. */
  list(limit: number): Promise<AuditEvent[]>
}

/** Records token uses by `jti` until the token's own expiry. */
export interface TokenUseStore {
  /** Returns how many times this jti has been used, including this use. */
  recordUse(jti: string, expiresAt: number): Promise<number>
}

/** Everything a runtime entry hands the core. */
export interface Backend {
  readonly name: string
  /** Whether other instances see this state (false for memory). */
  readonly shared: boolean
  rooms: RoomStore
  audit: AuditLog
  tokens: TokenUseStore
  bus: SignalBus
  /** Rate-limit counters shared by every instance; absent means per-instance memory counters. */
  rateLimitStore?(name: string): Store
  /** Readiness: resolves `ok: false` instead of throwing when the store is unreachable. */
  health(): Promise<{ ok: boolean; detail?: string }>
  /** Idempotent; releases timers and connections. */
  close(): Promise<void>
}

export class StoreError extends Error {
  override readonly name = 'StoreError'
}
