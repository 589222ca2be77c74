/**
 * @module Subscribers of a /yjs topic: a socket that subscribes to its token's room joins the room in the store (the
 * same atomic capacity check, lease and sweep as a /ws peer) and the other instances are told, so that every instance
 * knows where the topic's subscribers are. Several sockets of one user are normal (tabs): each is its own member,
 * nobody is replaced.
 */
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { AuditFn } from '../ops/audit.js'
import type { YjsMetrics } from '../ops/metrics.js'
import type { BusOut } from '../signaling/bus-out.js'
import { channels } from '../storage/bus.js'
import type { PeerRecord, RoomStore } from '../storage/types.js'
import type { YjsOut } from './out.js'
import type { YjsSocket } from './socket.js'
import type { YjsTopic, YjsTopics } from './topics.js'

export interface MembershipDeps {
  config: Config
  store: RoomStore
  topics: YjsTopics
  out: YjsOut
  bus: BusOut
  clock: Clock
  metrics: YjsMetrics
  audit: AuditFn
  logger: Logger
  /** The socket of this instance with that connection id, if any. */
  socket: (connectionId: string) => YjsSocket | undefined
  /** Work a drain must wait for. */
  track: (work: Promise<void>) => void
}

/** How /yjs entries read in the audit trail (their room ids read `yjs/<room>`). */
export const auditReason = (why: string) => `/yjs ${why}`.trimEnd()

/** The token's user of a subscriber record (`alice/<connection id>`; user ids cannot contain `/`). */
function tokenUser(p: PeerRecord): string {
  const i = p.userId.indexOf('/')
  return i < 0 ? p.userId : p.userId.slice(0, i)
}

export class Membership {
  constructor(private readonly d: MembershipDeps) {}

  /** Subscribes `s` to its token's room. Resolves once the store answered and the room was told (or it was refused). */
  join(s: YjsSocket): Promise<void> {
    if (s.member !== 'out') return Promise.resolve()
    const work = this.enterRoom(s)
    this.d.track(work)
    return work
  }

  /** Ends `s`'s subscription: it leaves the store and the other instances are told. */
  leave(s: YjsSocket, why: string): Promise<void> {
    const t = s.topic
    if (s.member !== 'in' || !t) return Promise.resolve()
    const work = this.leaveRoom(s, t, why)
    this.d.track(work)
    return work
  }

  private async enterRoom(s: YjsSocket): Promise<void> {
    s.member = 'joining'
    const t = this.d.topics.ensure(s.who.roomId)
    t.joining++
    try {
      // Subscribed before the store join: no `joined` published after the join can be missed.
      await this.d.topics.subscribe(t)
      if (s.closed) return
      const now = this.d.clock.now()
      const self = this.record(s, t, now)
      const { config } = this.d
      const joined = await this.d.store.join({ peer: self, maxPeers: config.rooms.maxPeers, maxRooms: config.rooms.maxRooms, now })
      if (!joined.ok) return this.refuse(s, t, joined.reason)
      if (s.closed) return void (await this.depart(t, self, s.ip, 'disconnected'))
      this.enter(s, t, self, joined.peers)
      await this.d.bus.publish(t.channel, { kind: 'joined', origin: this.d.bus.instanceId, peer: self, replaced: null })
    } catch (err) {
      this.d.logger.warn('yjs join failed', { roomId: t.storeRoomId, err })
      this.d.out.close(s, 'internal_error')
    } finally {
      if (s.member === 'joining') s.member = 'out'
      if (--t.joining === 0) t.departed = null
      this.d.topics.dropIfIdle(t)
    }
  }

  private async leaveRoom(s: YjsSocket, t: YjsTopic, why: string): Promise<void> {
    s.member = 'leaving'
    s.topic = null
    t.local.delete(s)
    t.strike(s.id)
    try {
      await this.depart(t, this.record(s, t, 0), s.ip, why)
    } catch (err) {
      // The record stays until its lease runs out or the sweep takes it.
      this.d.logger.warn('yjs leave failed', { roomId: t.storeRoomId, err })
    } finally {
      s.member = 'out'
      this.d.topics.dropIfIdle(t)
    }
  }

  /** Another instance's subscriber joined. */
  receiveJoined(peer: PeerRecord) {
    const t = this.d.topics.get(peer.roomId)
    if (!t) return
    t.departed?.delete(peer.connectionId)
    t.enlist(peer.connectionId, peer.instanceId)
  }

  /** A subscriber left (or a sweep expired it). One of ours that the store no longer holds is closed: it is not in the room. */
  receiveLeft(peer: PeerRecord) {
    const t = this.d.topics.get(peer.roomId)
    if (!t) return
    t.strike(peer.connectionId)
    if (t.joining > 0) (t.departed ??= new Set()).add(peer.connectionId)
    const zombie = this.d.socket(peer.connectionId)
    if (zombie?.topic === t) this.d.out.close(zombie, 'idle_timeout')
  }

  /** This instance's sweep expired a subscriber (its lease passed): its socket here goes, and the others are told. */
  async swept(peer: PeerRecord) {
    this.receiveLeft(peer)
    this.d.metrics.leaves++
    this.d.audit('leave', { userId: tokenUser(peer), roomId: peer.roomId, reason: auditReason('lease expired'), remoteAddress: null })
    await this.d.bus.publish(channels.room(peer.roomId), { kind: 'left', origin: this.d.bus.instanceId, peer, reason: 'expired' })
  }

  /**
   * The store record of a subscriber. Its userId is the token's user and the socket (`alice/<connection id>`): the
   * store keeps one record per user and room, and on /yjs each socket is a member of its own.
   */
  private record(s: YjsSocket, t: YjsTopic, now: number): PeerRecord {
    const { who } = s
    return { roomId: t.storeRoomId, userId: `${who.userId}/${s.id}`, userName: who.userName, connectionId: s.id, instanceId: this.d.bus.instanceId, joinedAt: now, leaseUntil: now + this.d.config.leaseTtlMs }
  }

  private enter(s: YjsSocket, t: YjsTopic, self: PeerRecord, others: PeerRecord[]) {
    s.member = 'in'
    s.topic = t
    t.local.add(s)
    t.enlist(s.id, self.instanceId)
    for (const p of others) if (!t.departed?.has(p.connectionId)) t.enlist(p.connectionId, p.instanceId)
    this.d.metrics.joins++
    this.d.audit('join', { userId: s.who.userId, roomId: t.storeRoomId, reason: auditReason(''), remoteAddress: s.ip })
  }

  private refuse(s: YjsSocket, t: YjsTopic, reason: 'room_full' | 'rooms_exhausted') {
    this.d.audit('auth_failure', { userId: s.who.userId, roomId: t.storeRoomId, reason: auditReason(reason), remoteAddress: s.ip })
    this.d.out.close(s, reason)
  }

  /** Removes a subscriber's record from the store and tells the other instances when it was there. */
  private async depart(t: YjsTopic, self: PeerRecord, ip: string | null, why: string) {
    const { removed } = await this.d.store.leave(t.storeRoomId, self.userId, self.connectionId, this.d.clock.now())
    if (!removed) return
    this.d.metrics.leaves++
    this.d.audit('leave', { userId: tokenUser(removed), roomId: t.storeRoomId, reason: auditReason(why), remoteAddress: ip })
    await this.d.bus.publish(t.channel, { kind: 'left', origin: this.d.bus.instanceId, peer: removed, reason: why })
  }
}
