/**
 * @module In-memory Backend, the default. Web-standard APIs only, so it runs on Node, Bun and Workers.
 * One MemoryState can back several instances in one process (tests of the cross-instance path).
 */
import type { Logger } from '../lib/logger.js'
import { createMemoryBus, type MemoryBusState } from './memory-bus.js'
import { TokenLedger } from './token-ledger.js'
import {
  StoreError,
  type AuditEvent,
  type Backend,
  type JoinRequest,
  type JoinResult,
  type PeerRecord,
  type ResumeRequest,
  type ResumeResult,
  type RoomRecord,
  type SweepOptions,
  type SweepResult,
} from './types.js'

interface RoomEntry {
  room: RoomRecord
  /** userId -> peer, insertion order = join order. */
  peers: Map<string, PeerRecord>
}

/** State shared by every instance created over it. */
export interface MemoryState {
  rooms: Map<string, RoomEntry>
  audit: { buffer: AuditEvent[]; next: number; capacity: number }
  tokenUses: TokenLedger
  subscribers: MemoryBusState
  /** Peer records in all rooms, kept by every mutation so that counting is O(1). */
  peerCount: number
}

export function createMemoryState(auditCapacity = 1000): MemoryState {
  return {
    rooms: new Map(),
    audit: { buffer: [], next: 0, capacity: auditCapacity },
    tokenUses: new TokenLedger(),
    subscribers: new Map(),
    peerCount: 0,
  }
}

const livePeers = (entry: RoomEntry, now: number) => [...entry.peers.values()].filter((p) => p.leaseUntil > now)

function roomView(entry: RoomEntry, now: number): RoomRecord {
  return { ...entry.room, peerCount: livePeers(entry, now).length }
}

function isRoomGone(entry: RoomEntry, now: number, opts?: Omit<SweepOptions, 'now'>): boolean {
  if (!opts) return false
  const { room } = entry
  if (room.emptySince !== null && livePeers(entry, now).length === 0 && now - room.emptySince >= opts.emptyGraceMs) return true
  return now - room.lastActivity >= opts.inactivityMs
}

/**
 * Creates a memory Backend for one instance. Pass the same `state` to several calls to simulate
 * several instances sharing one store.
 */
export function createMemoryBackend(options: { instanceId: string; state?: MemoryState; auditCapacity?: number; logger?: Logger }): Backend {
  const state = options.state ?? createMemoryState(options.auditCapacity)
  const { instanceId } = options
  let closed = false
  const guard = () => {
    if (closed) throw new StoreError('memory backend is closed')
  }
  const bus = createMemoryBus({ state: state.subscribers, instanceId, guard, logger: options.logger })

  function markEmptyIfNeeded(entry: RoomEntry, now: number) {
    if (entry.peers.size === 0 && entry.room.emptySince === null) entry.room.emptySince = now
  }

  const rooms = {
    async join({ peer, maxPeers, maxRooms, now }: JoinRequest): Promise<JoinResult> {
      guard()
      let entry = state.rooms.get(peer.roomId)
      let created = false
      if (!entry) {
        if (state.rooms.size >= maxRooms) return { ok: false, reason: 'rooms_exhausted' }
        entry = { room: { roomId: peer.roomId, createdAt: now, lastActivity: now, peerCount: 0, emptySince: null }, peers: new Map() }
        state.rooms.set(peer.roomId, entry)
        created = true
      }
      // Expired peers neither count nor show, but stay for the sweep, which reports each one exactly once.
      const previous = entry.peers.get(peer.userId) ?? null
      const others = livePeers(entry, now).filter((p) => p.userId !== peer.userId)
      if (others.length >= maxPeers) return { ok: false, reason: 'room_full' }
      if (!previous) state.peerCount++
      entry.peers.delete(peer.userId)
      entry.peers.set(peer.userId, { ...peer })
      entry.room.lastActivity = now
      entry.room.emptySince = null
      entry.room.peerCount = entry.peers.size
      return { ok: true, room: roomView(entry, now), peers: others.map((p) => ({ ...p })), replaced: previous ? { ...previous } : null, created }
    },

    async resume({ peer, fromConnectionId, now }: ResumeRequest): Promise<ResumeResult> {
      guard()
      const entry = state.rooms.get(peer.roomId)
      const previous = entry?.peers.get(peer.userId)
      if (!entry || !previous || previous.connectionId !== fromConnectionId || previous.leaseUntil <= now) return { ok: false }
      // Map.set on an existing key keeps its place: the session keeps its position in join order.
      entry.peers.set(peer.userId, { ...peer })
      entry.room.lastActivity = now
      const others = livePeers(entry, now).filter((p) => p.userId !== peer.userId)
      return { ok: true, peers: others.map((p) => ({ ...p })), previous: { ...previous } }
    },

    async leave(roomId: string, userId: string, connectionId: string, now: number) {
      guard()
      const entry = state.rooms.get(roomId)
      const peer = entry?.peers.get(userId)
      if (!entry || !peer || peer.connectionId !== connectionId) {
        return { removed: null, remaining: entry ? livePeers(entry, now).length : 0 }
      }
      entry.peers.delete(userId)
      state.peerCount--
      entry.room.lastActivity = now
      entry.room.peerCount = entry.peers.size
      markEmptyIfNeeded(entry, now)
      return { removed: { ...peer }, remaining: livePeers(entry, now).length }
    },

    async getRoom(roomId: string, now: number) {
      guard()
      const entry = state.rooms.get(roomId)
      return entry ? roomView(entry, now) : null
    },

    async listRooms(now: number) {
      guard()
      return [...state.rooms.values()].map((e) => roomView(e, now))
    },

    async counts() {
      guard()
      return { rooms: state.rooms.size, peers: state.peerCount }
    },

    async listPeers(roomId: string, now: number) {
      guard()
      const entry = state.rooms.get(roomId)
      return entry ? livePeers(entry, now).map((p) => ({ ...p })) : []
    },

    async touchRoom(roomId: string, now: number) {
      guard()
      const entry = state.rooms.get(roomId)
      if (entry && entry.room.lastActivity < now) entry.room.lastActivity = now
    },

    async renewLeases(owner: string, leaseUntil: number) {
      guard()
      for (const entry of state.rooms.values()) {
        for (const p of entry.peers.values()) if (p.instanceId === owner && p.leaseUntil < leaseUntil) p.leaseUntil = leaseUntil
      }
    },

    async deleteRoom(roomId: string) {
      guard()
      const entry = state.rooms.get(roomId)
      state.rooms.delete(roomId)
      if (entry) state.peerCount -= entry.peers.size
      return entry ? [...entry.peers.values()].map((p) => ({ ...p })) : []
    },

    async sweep(opts: SweepOptions): Promise<SweepResult> {
      guard()
      const { now } = opts
      const result: SweepResult = { expiredPeers: [], deletedRooms: [] }
      for (const [roomId, entry] of state.rooms) {
        for (const [userId, p] of entry.peers) {
          if (p.leaseUntil > now) continue
          entry.peers.delete(userId)
          state.peerCount--
          result.expiredPeers.push({ ...p })
        }
        entry.room.peerCount = entry.peers.size
        markEmptyIfNeeded(entry, now)
        if (!isRoomGone(entry, now, opts)) continue
        state.rooms.delete(roomId)
        state.peerCount -= entry.peers.size
        const reason = entry.peers.size === 0 ? 'empty' : 'inactive'
        result.deletedRooms.push({ roomId, reason, peers: [...entry.peers.values()].map((p) => ({ ...p })) })
      }
      state.tokenUses.sweep(now)
      return result
    },
  }

  const audit = {
    async append(event: AuditEvent) {
      guard()
      const a = state.audit
      a.buffer[a.next] = { ...event }
      a.next = (a.next + 1) % a.capacity
    },
    async list(limit: number) {
      guard()
      const a = state.audit
      const out: AuditEvent[] = []
      for (let i = 1; i <= a.buffer.length && out.length < limit; i++) {
        const e = a.buffer[(a.next - i + a.capacity) % a.capacity]
        if (e) out.push({ ...e })
      }
      return out
    },
  }

  const tokens = {
    async recordUse(jti: string, expiresAt: number) {
      guard()
      return state.tokenUses.record(jti, expiresAt)
    },
  }

  return {
    name: 'memory',
    shared: false,
    rooms,
    audit,
    tokens,
    bus,
    async health() {
      return closed ? { ok: false, detail: 'closed' } : { ok: true }
    },
    async close() {
      if (closed) return
      closed = true
      bus.closeAll()
    },
  }
}
