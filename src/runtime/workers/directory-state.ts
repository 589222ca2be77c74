/**
 * @module What the directory object keeps, apart from the object (no platform import, so that the storage conformance
 * suite runs the same logic under Node): the room set with MAX_ROOMS, the objects holding sockets, the audit trail and
 * the rate-limit counters. The room set is persisted through `persist`; the rest lives in memory.
 */
import type { AuditEvent } from '../../storage/types.js'

export class DirectoryState {
  /** Newest last. */
  private readonly audit: AuditEvent[] = []
  private readonly hits = new Map<string, { totalHits: number; resetTime: number }>()
  /** Objects holding sockets. */
  private readonly active = new Set<string>()

  constructor(
    private readonly roomSet: Set<string>,
    private readonly persist: (rooms: string[]) => Promise<void>,
  ) {}

  /** Takes a place for a new room unless `maxRooms` are held; true when the room holds one (already, or now). */
  async reserve(roomId: string, maxRooms: number): Promise<boolean> {
    if (this.roomSet.has(roomId)) return true
    if (this.roomSet.size >= maxRooms) return false
    this.roomSet.add(roomId)
    await this.persist([...this.roomSet])
    return true
  }

  async release(roomId: string): Promise<void> {
    if (this.roomSet.delete(roomId)) await this.persist([...this.roomSet])
  }

  rooms(): string[] {
    return [...this.roomSet]
  }

  track(name: string) {
    this.active.add(name)
  }

  untrack(name: string) {
    this.active.delete(name)
  }

  /** Every room object worth asking: those holding a room or sockets. */
  objects(): string[] {
    return [...new Set([...this.roomSet, ...this.active])]
  }

  appendAudit(event: AuditEvent, capacity: number) {
    this.audit.push(event)
    if (this.audit.length > capacity) this.audit.splice(0, this.audit.length - capacity)
  }

  /** Newest first. */
  listAudit(limit: number): AuditEvent[] {
    return this.audit.slice(-limit).reverse()
  }

  /** One hit for `key` in its current window (a new window after `windowMs`); expired windows are dropped. */
  hit(key: string, windowMs: number, now: number) {
    const entry = this.hits.get(key)
    const current = entry && entry.resetTime > now ? entry : { totalHits: 0, resetTime: now + windowMs }
    current.totalHits++
    this.hits.set(key, current)
    for (const [k, v] of this.hits) if (v.resetTime <= now) this.hits.delete(k)
    return { ...current }
  }

  unhit(key: string) {
    const entry = this.hits.get(key)
    if (entry && entry.totalHits > 0) entry.totalHits--
  }

  resetKey(key: string) {
    this.hits.delete(key)
  }
}
