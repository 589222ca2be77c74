/**
 * @module Away peers (RECONNECT_GRACE): a peer whose socket dropped without a closing handshake stays in its room for
 * the grace period. The room is told nothing; frames for it are kept (bounded); a resume takes them over, here or,
 * handed over by bus, on another instance. When the grace ends the room gets one `peer-left`.
 */
import type { Logger } from '../lib/logger.js'
import type { Scheduler, Timer } from '../lib/scheduler.js'
import type { AuditFn } from '../ops/audit.js'
import type { Metrics } from '../ops/metrics.js'
import type { PeerRecord, RoomStore } from '../storage/types.js'
import type { BusOut } from './bus-out.js'
import type { Connection } from './connection.js'
import type { Outbound } from './outbound.js'
import type { Presence } from './presence.js'
import type { Registry } from './registry.js'
import type { LocalRooms } from './rooms.js'

/** Frames kept per away peer at most, and their total length (characters); past either the sender gets `relay_failed`. */
export const MAX_KEPT_FRAMES = 256
export const MAX_KEPT_CHARS = 256 * 1024
/** Kept frames of all away peers of this instance together, so that many away peers cannot exhaust memory. */
const MAX_KEPT_CHARS_TOTAL = 32 * 1024 * 1024
/** How long a resumed socket waits for the frames kept on another instance before it gets the newer ones. */
const HANDOVER_WAIT_MS = 3000
/** How long the old holder of a moved session forwards relays that still reach it to the new holder. */
const MOVED_WINDOW_MS = 10_000

export interface AwayPeer {
  readonly roomId: string
  readonly userId: string
  readonly connectionId: string
  readonly ip: string | null
  readonly userName: string
  timer: Timer
  kept: string[]
  keptChars: number
}

export interface AwayDeps {
  rooms: LocalRooms
  registry: Registry
  presence: Presence
  store: RoomStore
  out: Outbound
  bus: BusOut
  scheduler: Scheduler
  metrics: Metrics
  audit: AuditFn
  logger: Logger
  graceMs: number
}

export class AwayPeers {
  private readonly byConnection = new Map<string, AwayPeer>()
  /** New connection id -> the wait for its session's frames from another instance. */
  private readonly handovers = new Map<string, Timer>()
  /** `roomId\tuserId` -> where a session that left this instance went, for relays still addressed here. */
  private readonly moved = new Map<string, { instanceId: string; until: number }>()
  private keptTotal = 0

  constructor(private readonly d: AwayDeps) {}

  get size() {
    return this.byConnection.size
  }

  /**
   * Whether a closed socket keeps its peer: it ended without a closing handshake (1006), and neither side decided to
   * close it (no server close, no protocol violation that made the transport give up).
   */
  holds(conn: Connection): boolean {
    return this.d.graceMs > 0 && conn.closeReason === null && conn.closeCode === 1006
  }

  /** The socket of a joined peer dropped: the peer stays, away, for the grace period. */
  begin(conn: Connection) {
    const room = this.d.rooms.get(conn.roomId ?? '')
    if (!room || !conn.roomId || !conn.userId) return
    const a: AwayPeer = {
      roomId: conn.roomId,
      userId: conn.userId,
      userName: conn.userName ?? conn.userId,
      connectionId: conn.id,
      ip: conn.ip,
      timer: this.d.scheduler.after(this.d.graceMs, () => void this.expire(a)),
      kept: [],
      keptChars: 0,
    }
    ;(room.away ??= new Map()).set(a.userId, a)
    this.byConnection.set(a.connectionId, a)
  }

  /** Keeps a frame for an away peer; false (nothing kept) past the bounds. */
  keep(a: AwayPeer, frame: string): boolean {
    const n = frame.length
    if (a.kept.length >= MAX_KEPT_FRAMES || a.keptChars + n > MAX_KEPT_CHARS || this.keptTotal + n > MAX_KEPT_CHARS_TOTAL) return false
    a.kept.push(frame)
    a.keptChars += n
    this.keptTotal += n
    return true
  }

  /** Ends the away state of a session that resumes: returns what was kept for it, or null when none is held here. */
  take(connectionId: string): AwayPeer | null {
    const a = this.byConnection.get(connectionId)
    if (!a) return null
    a.timer.cancel()
    this.byConnection.delete(connectionId)
    this.keptTotal -= a.keptChars
    const room = this.d.rooms.get(a.roomId)
    if (room?.away?.get(a.userId) === a) room.away.delete(a.userId)
    return a
  }

  /** Discards an away peer without telling anyone (replaced, swept, its room closed). */
  drop(connectionId: string) {
    const a = this.take(connectionId)
    const room = a && this.d.rooms.get(a.roomId)
    if (room) this.d.rooms.dropIfIdle(room)
  }

  /** The grace passed without a resume: the peer leaves, and the room is told once. */
  private async expire(a: AwayPeer) {
    if (this.byConnection.get(a.connectionId) !== a) return
    this.take(a.connectionId)
    await this.depart(a, 'disconnected', 'resume_expired')
  }

  /** Removes the peer from the store and announces it when this call removed it (exactly once cluster-wide). */
  private async depart(a: AwayPeer, reason: string, event: 'resume_expired' | 'leave') {
    const { roomId, userId } = a
    try {
      const { removed } = await this.d.store.leave(roomId, userId, a.connectionId, this.d.scheduler.now())
      if (!removed) return
      this.d.metrics.leaves++
      if (event === 'resume_expired') this.d.metrics.resumeExpiries++
      this.d.audit(event, { userId, roomId, reason, remoteAddress: a.ip })
      await this.d.presence.announceLeft(removed, reason)
    } catch (err) {
      this.d.logger.warn('leave of an away peer failed', { roomId, err })
    } finally {
      const room = this.d.rooms.get(roomId)
      if (room) this.d.rooms.dropIfIdle(room)
    }
  }

  /** Drain: every away peer leaves now. */
  async departAll(reason: string) {
    const all = [...this.byConnection.keys()].map((id) => this.take(id)).filter((a): a is AwayPeer => a !== null)
    await Promise.allSettled(all.map((a) => this.depart(a, reason, 'leave')))
  }

  /** Another instance resumed a session this instance held: hand its kept frames over, in order. */
  async handOver(previous: PeerRecord, next: PeerRecord) {
    const a = this.take(previous.connectionId)
    this.moved.set(`${previous.roomId}\t${previous.userId}`, { instanceId: next.instanceId, until: this.d.scheduler.now() + MOVED_WINDOW_MS })
    const frames = a?.kept ?? []
    await this.d.bus.toInstance(next.instanceId, { kind: 'handover', origin: this.d.bus.instanceId, roomId: next.roomId, userId: next.userId, connectionId: next.connectionId, frames })
    const room = this.d.rooms.get(previous.roomId)
    if (room) this.d.rooms.dropIfIdle(room)
  }

  /** Where to forward a relay for a session that moved off this instance lately (never back to where it came from). */
  movedTo(roomId: string, userId: string, cameFrom: string): string | null {
    const m = this.moved.get(`${roomId}\t${userId}`)
    if (!m || m.until < this.d.scheduler.now() || m.instanceId === cameFrom) return null
    return m.instanceId
  }

  /** A socket resumed a session held by another instance: its frames wait for the handover (or a short timeout). */
  awaitHandover(conn: Connection) {
    this.d.out.hold(conn)
    this.handovers.set(
      conn.id,
      this.d.scheduler.after(HANDOVER_WAIT_MS, () => {
        this.handovers.delete(conn.id)
        this.d.out.release(conn, [])
      }),
    )
  }

  /** The frames kept for a resumed session arrived from its old holder. */
  receiveHandover(connectionId: string, frames: string[]) {
    const conn = this.d.registry.get(connectionId)
    const wait = this.handovers.get(connectionId)
    this.handovers.delete(connectionId)
    wait?.cancel()
    if (!conn) return
    // After the timeout they come late, but they still come.
    if (wait) this.d.out.release(conn, frames)
    else for (const f of frames) this.d.out.send(conn, f)
  }

  /** Forgets stale forwarding entries (called from the periodic sweep). */
  prune(now: number) {
    for (const [key, m] of this.moved) if (m.until < now) this.moved.delete(key)
  }
}
