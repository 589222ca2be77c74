/**
 * @module Relaying signals. One routing function (`route`) decides for a frame from a local socket and for a frame
 * that arrived over the bus alike: local sockets get it, away peers keep it, and only a local sender's frame goes on
 * to the instances holding the other recipients.
 */
import type { ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { Metrics } from '../ops/metrics.js'
import type { SignalMessage } from '../protocol/client-messages.js'
import { channels, type Channel, type RelayEnvelope } from '../storage/bus.js'
import type { RoomStore } from '../storage/types.js'
import type { AwayPeers } from './away.js'
import type { BusOut } from './bus-out.js'
import type { Connection } from './connection.js'
import { errorFrame } from './frames.js'
import type { Outbound } from './outbound.js'
import type { LocalRoom, LocalRooms } from './rooms.js'

export interface RelayDeps {
  rooms: LocalRooms
  out: Outbound
  away: AwayPeers
  bus: BusOut
  store: RoomStore
  clock: Clock
  metrics: Metrics
  logger: Logger
  /** Minimum spacing of room-activity writes to the store, per room. */
  touchIntervalMs: number
}

/**
 * A frame to route: `from` is the local sender's socket, or null when the frame arrived over the bus from `origin`.
 * Built only off the local path (broadcast refusals, publishes): `route` takes its fields as arguments, so relaying
 * to a local socket allocates nothing but the frame.
 */
interface Routed {
  roomId: string
  target: string | null
  sender: string
  frame: string
  from: Connection | null
  origin: string
}

export class Relay {
  constructor(private readonly d: RelayDeps) {}

  /** A signal from a joined local socket. Returns the error to answer it with, or null. */
  fromSocket(conn: Connection, msg: SignalMessage, now: number): ErrorCode | null {
    const roomId = conn.roomId as string
    const sender = conn.userId as string
    const target = msg.targetUserId ?? msg.to ?? null
    if (target === sender) return 'invalid_message'
    // {type, roomId, userId, from, targetUserId?, data, timestamp} built from the per-connection stamp: about 1 µs
    // less per relayed signal than stringifying a fresh object (test/bench/micro/frame-costs.ts). `type` is one of
    // six literals and `target` passed the id rule, so neither needs escaping.
    conn.stamp ||= `"roomId":${JSON.stringify(roomId)},"userId":${JSON.stringify(sender)},"from":${JSON.stringify(sender)}`
    const frame = `{"type":"${msg.type}",${conn.stamp}${target === null ? '' : `,"targetUserId":"${target}"`},"data":${JSON.stringify(msg.data)},"timestamp":${now}}`
    if (!this.route(roomId, target, sender, frame, conn, this.d.bus.instanceId)) return 'peer_not_found'
    this.d.metrics.relayedTotal++
    this.d.metrics.relayed[msg.type] = (this.d.metrics.relayed[msg.type] ?? 0) + 1
    this.touch(roomId, now)
    return null
  }

  /** How many peers an untargeted signal from `conn` reaches: what it is charged against the sender's rate. */
  receivers(conn: Connection): number {
    const room = this.d.rooms.get(conn.roomId as string)
    return room ? Math.max(0, room.size - 1) : 0
  }

  /** A relay envelope from another instance. */
  fromBus(e: RelayEnvelope) {
    this.route(e.roomId, e.target, e.sender, e.frame, null, e.origin)
  }

  /** Records activity at most once per interval per room (the store's inactivity clock). */
  touch(roomId: string, now: number) {
    const room = this.d.rooms.get(roomId)
    if (!room || now - room.lastTouch < this.d.touchIntervalMs) return
    room.lastTouch = now
    this.d.store.touchRoom(roomId, now).catch((err: unknown) => this.d.logger.debug('touchRoom failed', { roomId, err }))
  }

  /** The routing decision. False only for a local sender's target that is in no roster: `peer_not_found`. */
  private route(roomId: string, target: string | null, sender: string, frame: string, from: Connection | null, origin: string): boolean {
    const room = this.d.rooms.get(roomId)
    if (target === null) {
      if (room) this.broadcast(room, { roomId, target, sender, frame, from, origin })
      return true
    }
    const local = room?.local.get(target)
    if (local) {
      this.d.out.send(local, frame)
      return true
    }
    const away = room?.away?.get(target)
    if (away) {
      if (!this.d.away.keep(away, frame)) this.refuse({ roomId, target, sender, frame, from, origin })
      return true
    }
    // From the bus, the target was here: it left (nothing to do), or its session moved on lately (forward it).
    const elsewhere = from ? room?.locate(target)?.instanceId : this.d.away.movedTo(roomId, target, origin)
    if (!elsewhere || elsewhere === this.d.bus.instanceId) return from === null
    this.publish(channels.instance(elsewhere), { roomId, target, sender, frame, from, origin })
    return true
  }

  private broadcast(room: LocalRoom, r: Routed) {
    for (const [userId, conn] of room.local) if (userId !== r.sender) this.d.out.send(conn, r.frame)
    let refused = false
    if (room.away) {
      for (const [userId, a] of room.away) if (userId !== r.sender && !this.d.away.keep(a, r.frame)) refused = true
    }
    if (refused) this.refuse(r)
    if (r.from && room.hasRemote) this.publish(room.channel, r)
  }

  /** Only a local sender waits for the outcome, and holds only its socket meanwhile (not the frame). */
  private publish(channel: Channel, r: Routed) {
    const envelope: RelayEnvelope = { kind: 'relay', origin: this.d.bus.instanceId, roomId: r.roomId, target: r.target, sender: r.sender, frame: r.frame }
    const sent = this.d.bus.publish(channel, envelope)
    const from = r.from
    if (from) void sent.then((ok) => ok || this.d.out.sendError(from, 'relay_failed'))
  }

  /** An away peer can keep no more: the sender hears `relay_failed`, wherever it is. */
  private refuse(r: Routed) {
    if (r.from) return this.d.out.sendError(r.from, 'relay_failed')
    const frame = errorFrame('relay_failed', this.d.clock.now())
    void this.d.bus.toInstance(r.origin, { kind: 'relay', origin: this.d.bus.instanceId, roomId: r.roomId, target: r.sender, sender: r.target ?? r.sender, frame })
  }
}
