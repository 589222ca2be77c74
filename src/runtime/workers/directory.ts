/**
 * @module The directory object: what is global on Workers. One instance (named "directory") holds the set of rooms
 * (for MAX_ROOMS and the room listing), the audit trail of every object, and the counters of the token-mint rate
 * limit. Room objects and the Worker call it over RPC; a single object runs one call at a time, so reserving a room
 * against MAX_ROOMS is atomic.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Store } from 'hono-rate-limiter'
import type { AuditEvent, AuditLog } from '../../storage/types.js'
import type { DurableObjectNamespace, DurableObjectState } from './platform.js'

const ROOMS_KEY = 'rooms'

/** The directory's RPC surface, as its callers see it. */
export interface DirectoryRpc {
  reserve(roomId: string, maxRooms: number): Promise<boolean>
  release(roomId: string): Promise<void>
  rooms(): Promise<string[]>
  /** A room object holds sockets (joined or not): the fan-outs must reach it. */
  track(name: string): Promise<void>
  untrack(name: string): Promise<void>
  /** Every room object worth asking: those holding a room or sockets. */
  objects(): Promise<string[]>
  appendAudit(event: AuditEvent, capacity: number): Promise<void>
  listAudit(limit: number): Promise<AuditEvent[]>
  hit(key: string, windowMs: number): Promise<{ totalHits: number; resetTime: number }>
  unhit(key: string): Promise<void>
  resetKey(key: string): Promise<void>
}

export class Directory extends DurableObject<unknown, DurableObjectState> implements DirectoryRpc {
  private roomSet: Set<string> | null = null
  /** Newest last. Kept in memory: the trail starts afresh if the directory itself is evicted (documented). */
  private readonly audit: AuditEvent[] = []
  /** Objects holding sockets; in memory, like the audit trail. */
  private readonly active = new Set<string>()
  private readonly hits = new Map<string, { totalHits: number; resetTime: number }>()

  private async loadRooms(): Promise<Set<string>> {
    return (this.roomSet ??= new Set((await this.ctx.storage.get<string[]>(ROOMS_KEY)) ?? []))
  }

  async reserve(roomId: string, maxRooms: number): Promise<boolean> {
    const rooms = await this.loadRooms()
    if (rooms.has(roomId)) return true
    if (rooms.size >= maxRooms) return false
    rooms.add(roomId)
    await this.ctx.storage.put(ROOMS_KEY, [...rooms])
    return true
  }

  async release(roomId: string): Promise<void> {
    const rooms = await this.loadRooms()
    if (rooms.delete(roomId)) await this.ctx.storage.put(ROOMS_KEY, [...rooms])
  }

  async rooms(): Promise<string[]> {
    return [...(await this.loadRooms())]
  }

  async track(name: string): Promise<void> {
    this.active.add(name)
  }

  async untrack(name: string): Promise<void> {
    this.active.delete(name)
  }

  async objects(): Promise<string[]> {
    return [...new Set([...(await this.loadRooms()), ...this.active])]
  }

  async appendAudit(event: AuditEvent, capacity: number): Promise<void> {
    this.audit.push(event)
    if (this.audit.length > capacity) this.audit.splice(0, this.audit.length - capacity)
  }

  async listAudit(limit: number): Promise<AuditEvent[]> {
    return this.audit.slice(-limit).reverse()
  }

  async hit(key: string, windowMs: number) {
    const now = Date.now()
    const entry = this.hits.get(key)
    const current = entry && entry.resetTime > now ? entry : { totalHits: 0, resetTime: now + windowMs }
    current.totalHits++
    this.hits.set(key, current)
    for (const [k, v] of this.hits) if (v.resetTime <= now) this.hits.delete(k)
    return { ...current }
  }

  async unhit(key: string) {
    const entry = this.hits.get(key)
    if (entry && entry.totalHits > 0) entry.totalHits--
  }

  async resetKey(key: string) {
    this.hits.delete(key)
  }
}

/**
 * The one directory of a deployment. A stub is taken per call: workerd binds a stub to the request that made it, and
 * the app that holds this outlives requests.
 */
export function directoryOf(ns: DurableObjectNamespace<DirectoryRpc>): DirectoryRpc {
  const stub = () => ns.get(ns.idFromName('directory'))
  return {
    reserve: (roomId, maxRooms) => stub().reserve(roomId, maxRooms),
    release: (roomId) => stub().release(roomId),
    rooms: () => stub().rooms(),
    track: (name) => stub().track(name),
    untrack: (name) => stub().untrack(name),
    objects: () => stub().objects(),
    appendAudit: (event, capacity) => stub().appendAudit(event, capacity),
    listAudit: (limit) => stub().listAudit(limit),
    hit: (key, windowMs) => stub().hit(key, windowMs),
    unhit: (key) => stub().unhit(key),
    resetKey: (key) => stub().resetKey(key),
  }
}

/** The audit port over the directory: every object's events in one trail. */
export function directoryAudit(dir: DirectoryRpc, capacity: number): AuditLog {
  return {
    append: (event) => dir.appendAudit(event, capacity),
    list: (limit) => dir.listAudit(limit),
  }
}

/** hono-rate-limiter's Store over the directory: one counter per key for the whole deployment. */
export function directoryRateStore(dir: DirectoryRpc, name: string): Store {
  let windowMs = 60_000
  return {
    init: (options) => {
      windowMs = options.windowMs
    },
    increment: async (key) => {
      const r = await dir.hit(`${name}:${key}`, windowMs)
      return { totalHits: r.totalHits, resetTime: new Date(r.resetTime) }
    },
    decrement: (key) => dir.unhit(`${name}:${key}`),
    resetKey: (key) => dir.resetKey(`${name}:${key}`),
  }
}
