/**
 * @module Who is in a room, as its sockets are told: the roster, `peer-joined` and `peer-left` announcements, and the
 * replay of presence seen while a socket's own join was in flight. A socket learns of each other peer exactly once,
 * either in its auth reply or by one `peer-joined`, also when peers join at the same moment on different instances.
 */
import type { Clock } from '../lib/clock.js'
import { channels } from '../storage/bus.js'
import type { PeerRecord } from '../storage/types.js'
import type { BusOut } from './bus-out.js'
import type { Connection, PresenceEvent } from './connection.js'
import { peerJoinedFrame, peerLeftFrame } from './frames.js'
import type { Outbound } from './outbound.js'
import type { LocalRoom, LocalRooms } from './rooms.js'

/** Presence events kept per joining socket at most (a join takes one store round trip). */
const MAX_EARLY_EVENTS = 1024
/** How long a late `joined` event for a peer already listed in an auth reply is recognised. */
const LISTED_WINDOW_MS = 10_000

const rosterEntry = (p: PeerRecord) => ({ instanceId: p.instanceId, connectionId: p.connectionId })

export class Presence {
  /**
   * Connection ids that a newer connection of the same user replaced (or a resume moved on from), until when: a
   * `joined` or `left` for one of them that arrives late, from another instance, is history and must not be
   * announced or act on the newer connection.
   */
  private readonly superseded = new Map<string, number>()

  constructor(
    private readonly rooms: LocalRooms,
    private readonly out: Outbound,
    private readonly bus: BusOut,
    private readonly clock: Clock,
  ) {}

  /**
   * Before the store join: subscribes to the room (once per instance) and collects its presence events for `conn`
   * until `admit`, so that a peer joining elsewhere at the same moment is announced exactly once.
   */
  async prepare(conn: Connection, roomId: string) {
    const room = this.rooms.ensure(roomId)
    room.startJoining(conn)
    conn.early = null
    await this.rooms.subscribe(room)
  }

  /** The store join failed or threw: stop collecting for `conn`. */
  abandon(conn: Connection, roomId: string) {
    conn.early = null
    const room = this.rooms.get(roomId)
    if (!room) return
    room.stopJoining(conn)
    this.rooms.dropIfIdle(room)
  }

  /**
   * After a successful store join or resume: the socket becomes the room's local socket of its user and learns what
   * happened meanwhile. Returns the room and the local socket it displaced, or null when a newer socket of the user
   * took its place first.
   */
  enter(conn: Connection, self: PeerRecord, others: PeerRecord[]): { room: LocalRoom; displaced: Connection | null } | null {
    const room = this.rooms.ensure(self.roomId)
    room.stopJoining(conn)
    void this.rooms.subscribe(room)
    for (const p of others) room.setRoster(p.userId, rosterEntry(p))
    const old = room.local.get(self.userId)
    // A join that a newer one of the same user already superseded in the store must not displace it.
    if (conn.closeReason === 'replaced' && old && old !== conn) {
      conn.early = null
      return null
    }
    room.local.set(self.userId, conn)
    room.setRoster(self.userId, rosterEntry(self))
    this.replayEarly(conn, room, self, others)
    return { room, displaced: old && old !== conn ? old : null }
  }

  /** Tells the room's local sockets, then the other instances, that `self` joined (replacing `replaced`). */
  async announceJoined(room: LocalRoom, self: PeerRecord, replaced: PeerRecord | null) {
    // No await between `enter` and here: a local socket joining at the same moment either listed us or collected
    // this event in `prepare`. The room subscription is live since `prepare`.
    if (replaced) this.supersede(replaced.connectionId)
    this.deliverJoined(self, replaced)
    if (room.hasRemote) await this.bus.publish(room.channel, { kind: 'joined', origin: this.bus.instanceId, peer: self, replaced })
  }

  /** Tells the room a peer is gone (exactly once: callers pass only peers the store removed). */
  async announceLeft(peer: PeerRecord, reason: string) {
    const room = this.rooms.get(peer.roomId)
    room?.forget(peer.userId, peer.connectionId)
    this.deliver(peer, 'left', peerLeftFrame(peer, reason, this.clock.now()))
    if (room === undefined || room.hasRemote) await this.bus.publish(room?.channel ?? channels.room(peer.roomId), { kind: 'left', origin: this.bus.instanceId, peer, reason })
  }

  /** The store could not be told of a departure: at least this instance's sockets hear of it. */
  tellLocal(peer: PeerRecord, reason: string) {
    this.deliver(peer, 'left', peerLeftFrame(peer, reason, this.clock.now()))
  }

  /** Whether a connection was replaced lately: news of it from another instance is stale. */
  isSuperseded(connectionId: string): boolean {
    const until = this.superseded.get(connectionId)
    return until !== undefined && until >= this.clock.now()
  }

  supersede(connectionId: string) {
    this.superseded.set(connectionId, this.clock.now() + LISTED_WINDOW_MS)
  }

  /** Another instance announced a join. */
  receiveJoined(peer: PeerRecord, replaced: PeerRecord | null) {
    const room = this.rooms.get(peer.roomId)
    if (!room) return
    if (replaced) this.supersede(replaced.connectionId)
    room.setRoster(peer.userId, rosterEntry(peer))
    this.deliverJoined(peer, replaced)
  }

  /**
   * Another instance announced a departure. Not passed on when the roster already names a newer connection of that
   * user (the departure arrived after the join that followed it): the room would hear the user leave while present.
   */
  receiveLeft(peer: PeerRecord, reason: string) {
    const room = this.rooms.get(peer.roomId)
    if (!room) return
    const current = room.locate(peer.userId)
    if (this.isSuperseded(peer.connectionId) || (current && current.connectionId !== peer.connectionId)) return
    room.forget(peer.userId, peer.connectionId)
    this.deliver(peer, 'left', peerLeftFrame(peer, reason, this.clock.now()))
  }

  /** A session moved to a new connection (`previous` is history): only the roster changes, nobody is told. */
  moved(peer: PeerRecord, previous: PeerRecord) {
    this.supersede(previous.connectionId)
    this.rooms.get(peer.roomId)?.setRoster(peer.userId, rosterEntry(peer))
  }

  /** Forgets superseded connections past the window (called from the periodic sweep). */
  prune(now: number) {
    for (const [id, until] of this.superseded) if (until < now) this.superseded.delete(id)
  }

  /** Removes a closed socket from its local room. */
  detach(conn: Connection) {
    if (!conn.roomId || !conn.userId) return
    const room = this.rooms.get(conn.roomId)
    if (!room) return
    if (room.local.get(conn.userId) === conn) room.local.delete(conn.userId)
    room.forget(conn.userId, conn.id)
    this.rooms.dropIfIdle(room)
  }

  /** Forgets auth-reply listings older than the window (called from the idle sweep). */
  expireListed(conn: Connection, now: number) {
    if (conn.listed && now > conn.listedUntil) conn.listed = null
  }

  /**
   * A replacement is announced as the old connection leaving, then the new one joining. A socket whose auth reply
   * already listed the new connection never knew the old one: it hears neither.
   */
  private deliverJoined(peer: PeerRecord, replaced: PeerRecord | null) {
    const now = this.clock.now()
    if (replaced) this.deliver(replaced, 'left', peerLeftFrame(replaced, 'replaced', now), peer.connectionId)
    this.deliver(peer, 'joined', peerJoinedFrame(peer, replaced !== null, now))
  }

  /**
   * Tells a room's local sockets that a peer joined or left, at most once each: a socket whose auth reply listed that
   * peer is not told again, and sockets still joining keep the event for `replayEarly`. `successor`: for the `left`
   * of a replaced connection, the connection that replaced it.
   */
  private deliver(peer: PeerRecord, kind: PresenceEvent['kind'], frame: string, successor?: string) {
    const room = this.rooms.get(peer.roomId)
    if (!room) return
    for (const [userId, conn] of room.local) {
      if (userId === peer.userId) continue
      if (kind === 'joined') {
        if (conn.listed?.delete(peer.connectionId)) continue
      } else if (successor !== undefined) {
        if (conn.listed?.has(successor)) continue
      } else conn.listed?.delete(peer.connectionId)
      this.out.send(conn, frame)
    }
    if (room.joining.size === 0) return
    const event: PresenceEvent = { kind, userId: peer.userId, connectionId: peer.connectionId, instanceId: peer.instanceId, frame }
    for (const conn of room.joining) {
      const early = (conn.early ??= [])
      if (early.length < MAX_EARLY_EVENTS) early.push(event)
    }
  }

  /**
   * Replays what the room said while `conn`'s join was in flight, against what its auth reply listed: a peer it
   * already knows is not announced again, a peer that came and went is not announced at all.
   */
  private replayEarly(conn: Connection, room: LocalRoom, self: PeerRecord, listedPeers: PeerRecord[]) {
    const known = new Set(listedPeers.map((p) => p.connectionId))
    const awaitingJoined = new Set(known)
    for (const e of conn.early ?? []) {
      if (e.userId === self.userId) continue
      awaitingJoined.delete(e.connectionId)
      if (e.kind === 'joined') {
        room.setRoster(e.userId, { instanceId: e.instanceId, connectionId: e.connectionId })
        if (known.has(e.connectionId)) continue
        known.add(e.connectionId)
        this.out.send(conn, e.frame)
      } else {
        room.forget(e.userId, e.connectionId)
        if (known.delete(e.connectionId)) this.out.send(conn, e.frame)
      }
    }
    conn.early = null
    // A local peer already admitted has been announced (its admit does that without yielding): only peers on other
    // instances, or local ones still joining, can still send a late `joined`.
    for (const p of listedPeers) {
      if (p.instanceId === this.bus.instanceId && room.local.get(p.userId)?.id === p.connectionId) awaitingJoined.delete(p.connectionId)
    }
    conn.listed = awaitingJoined.size > 0 ? awaitingJoined : null
    conn.listedUntil = this.clock.now() + LISTED_WINDOW_MS
  }
}
