/** @module What this instance does with each envelope other instances send it (room and instance channels alike). */
import { ERRORS, type ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { BusEnvelope, BusHandler, ControlEnvelope } from '../storage/bus.js'
import type { AwayPeers } from './away.js'
import type { BusOut } from './bus-out.js'
import { roomClosedFrame } from './frames.js'
import type { Outbound } from './outbound.js'
import type { Presence } from './presence.js'
import type { Registry } from './registry.js'
import type { Relay } from './relay.js'
import type { LocalRooms } from './rooms.js'

export interface InboxDeps {
  relay: Relay
  presence: Presence
  away: AwayPeers
  registry: Registry
  rooms: LocalRooms
  out: Outbound
  bus: BusOut
  clock: Clock
}

type Of<K extends ControlEnvelope['kind']> = Extract<ControlEnvelope, { kind: K }>

export class BusInbox {
  /** Bound once: the bus keeps this function as the subscription's handler. */
  readonly handler: BusHandler = (e) => this.receive(e)

  constructor(private readonly d: InboxDeps) {}

  receive(e: BusEnvelope) {
    switch (e.kind) {
      case 'relay':
        return this.d.relay.fromBus(e)
      case 'joined':
        return this.joined(e)
      case 'left':
        return this.left(e)
      case 'close':
        return this.close(e)
      case 'room-closed':
        return this.closeRoom(e.roomId, e.reason)
      case 'resumed':
        return this.resumed(e)
      case 'handover':
        return this.d.away.receiveHandover(e.connectionId, e.frames)
      default: {
        const never: never = e
        return never
      }
    }
  }

  /** Closes a room's sockets here (room-closed, then 4011) and forgets its away peers; nobody gets `peer-left`. */
  closeRoom(roomId: string, reason: string) {
    const room = this.d.rooms.get(roomId)
    if (!room) return
    const frame = roomClosedFrame(roomId, reason, this.d.clock.now())
    for (const conn of [...room.local.values()]) {
      this.d.out.send(conn, frame)
      this.d.out.close(conn, 'room_closed')
    }
    for (const a of [...(room.away?.values() ?? [])]) this.d.away.drop(a.connectionId)
  }

  /** A join elsewhere; a socket or away peer here of the same user is superseded by it (unless the join is stale). */
  private joined(e: Of<'joined'>) {
    const room = this.d.rooms.get(e.peer.roomId)
    if (!room || this.d.presence.isSuperseded(e.peer.connectionId)) return
    const local = room.local.get(e.peer.userId)
    if (local && local.id !== e.peer.connectionId) {
      this.d.out.close(local, 'replaced')
      this.d.presence.detach(local)
    }
    const away = room.away?.get(e.peer.userId)
    if (away && away.connectionId !== e.peer.connectionId) this.d.away.drop(away.connectionId)
    this.d.presence.receiveJoined(e.peer, e.replaced)
  }

  private left(e: Of<'left'>) {
    this.d.presence.receiveLeft(e.peer, e.reason)
    // Another instance's sweep expired a peer this instance still holds (its lease lapsed): it is no longer in the room.
    const zombie = this.d.registry.get(e.peer.connectionId)
    if (zombie) this.d.out.close(zombie, 'idle_timeout')
    this.d.away.drop(e.peer.connectionId)
  }

  private close(e: Of<'close'>) {
    const conn = this.d.registry.get(e.connectionId)
    if (conn) this.d.out.close(conn, e.code in ERRORS ? (e.code as ErrorCode) : 'replaced')
    else this.d.away.drop(e.connectionId)
  }

  /** A session moved to a socket elsewhere; if it was held here, its old socket goes and its kept frames follow it. */
  private resumed(e: Of<'resumed'>) {
    this.d.presence.moved(e.peer, e.previous)
    if (e.previous.instanceId !== this.d.bus.instanceId) return
    const old = this.d.registry.get(e.previous.connectionId)
    if (old) {
      // Detached at once: frames for the user must not go to a socket that is closing.
      this.d.presence.detach(old)
      this.d.out.close(old, 'replaced')
    }
    void this.d.away.handOver(e.previous, e.peer)
  }
}
