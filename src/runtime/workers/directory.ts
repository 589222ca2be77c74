/**
 * @module The directory object: what is global on Workers. One instance (named "directory") holds the set of rooms
 * (for MAX_ROOMS and the room listing), the audit trail of every object, and the counters of the token-mint rate
 * limit. Room objects and the Worker call it over RPC; a single object runs one call at a time, so reserving a room
 * against MAX_ROOMS is atomic.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Store } from 'hono-rate-limiter'
import type { AuditEvent, AuditLog } from '../../storage/types.js'
import { DirectoryState } from './directory-state.js'
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
  private state: Promise<DirectoryState> | null = null

  /** The room set comes from storage (it must survive an eviction); the audit trail and counters start afresh. */
  private load(): Promise<DirectoryState> {
    const storage = this.ctx.storage
    return (this.state ??= storage.get<string[]>(ROOMS_KEY).then((rooms) => new DirectoryState(new Set(rooms ?? []), (all) => storage.put(ROOMS_KEY, all))))
  }

  async reserve(roomId: string, maxRooms: number) {
    return (await this.load()).reserve(roomId, maxRooms)
  }
  async release(roomId: string) {
    return (await this.load()).release(roomId)
  }
  async rooms() {
    return (await this.load()).rooms()
  }
  async track(name: string) {
    ;(await this.load()).track(name)
  }
  async untrack(name: string) {
    ;(await this.load()).untrack(name)
  }
  async objects() {
    return (await this.load()).objects()
  }
  async appendAudit(event: AuditEvent, capacity: number) {
    ;(await this.load()).appendAudit(event, capacity)
  }
  async listAudit(limit: number) {
    return (await this.load()).listAudit(limit)
  }
  async hit(key: string, windowMs: number) {
    return (await this.load()).hit(key, windowMs, Date.now())
  }
  async unhit(key: string) {
    ;(await this.load()).unhit(key)
  }
  async resetKey(key: string) {
    ;(await this.load()).resetKey(key)
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
