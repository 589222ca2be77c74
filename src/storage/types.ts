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
import * as z from 'zod'

export const PeerRecordSchema = z.object({
  roomId: z.string(),
  userId: z.string(),
  userName: z.string(),
  /** Unique per socket; a late close of a replaced socket MUST NOT remove its successor. */
  connectionId: z.string(),
  /** The instance that holds the socket. */
  instanceId: z.string(),
  joinedAt: z.number(),
  /** The peer is treated as gone once this passes (its instance crashed or stopped renewing). */
  leaseUntil: z.number(),
})
export type PeerRecord = z.infer<typeof PeerRecordSchema>

export const RoomRecordSchema = z.object({
  roomId: z.string(),
  createdAt: z.number(),
  lastActivity: z.number(),
  peerCount: z.number().int(),
  /** When the last peer left; the room is deleted once the empty grace has passed. */
  emptySince: z.number().nullable(),
})
export type RoomRecord = z.infer<typeof RoomRecordSchema>

export const AuditEventSchema = z.object({
  time: z.number(),
  event: z.enum(['auth_success', 'auth_failure', 'join', 'leave', 'replace', 'kick', 'room_created', 'room_deleted']),
  userId: z.string().nullable(),
  roomId: z.string().nullable(),
  reason: z.string().nullable(),
  remoteAddress: z.string().nullable(),
  instanceId: z.string(),
})
export type AuditEvent = z.infer<typeof AuditEventSchema>

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
  /** Removes the peer only when `connectionId` matches. Idempotent. */
  leave(roomId: string, userId: string, connectionId: string, now: number): Promise<{ removed: PeerRecord | null; remaining: number }>
  getRoom(roomId: string, now: number): Promise<RoomRecord | null>
  listRooms(now: number): Promise<RoomRecord[]>
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

export const BusEnvelopeSchema = z.discriminatedUnion('kind', [
  /** A serialized server frame for local peers of a room: one target, or everyone but the sender. */
  z.object({ kind: z.literal('relay'), origin: z.string(), roomId: z.string(), target: z.string().nullable(), sender: z.string(), frame: z.string() }),
  z.object({ kind: z.literal('joined'), origin: z.string(), peer: PeerRecordSchema, replaced: z.boolean() }),
  z.object({ kind: z.literal('left'), origin: z.string(), peer: PeerRecordSchema, reason: z.string() }),
  /** Close one connection held by the receiving instance (replacement, kick). */
  z.object({ kind: z.literal('close'), origin: z.string(), roomId: z.string(), connectionId: z.string(), code: z.string() }),
  z.object({ kind: z.literal('room-closed'), origin: z.string(), roomId: z.string(), reason: z.string() }),
])
export type BusEnvelope = z.infer<typeof BusEnvelopeSchema>

/** Cross-instance fan-out. Local delivery is the hub's job. */
export interface SignalBus {
  publish(channel: string, envelope: BusEnvelope): Promise<void>
  /**
   * The handler MUST only receive envelopes published by other instances (echo suppression by
   * `origin`). Resolves to an unsubscribe function.
   */
  subscribe(channel: string, handler: (envelope: BusEnvelope) => void): Promise<() => Promise<void>>
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

export const channels = {
  room: (roomId: string) => `room:${roomId}`,
  instance: (instanceId: string) => `inst:${instanceId}`,
}
