/**
 * @module The rooms this instance takes part in: its own sockets and away peers per room, a roster of where every
 * peer of the room lives (cluster-wide), and the room's bus subscription.
 */
import type { Logger } from '../lib/logger.js'
import { channels, type BusHandler, type Channel, type SignalBus } from '../storage/bus.js'
import type { AwayPeer } from './away.js'
import type { Connection } from './connection.js'

export interface RosterEntry {
  instanceId: string
  connectionId: string
}

const NONE: ReadonlySet<Connection> = new Set()

export class LocalRoom {
  readonly channel: Channel
  /** userId -> this instance's live socket of that peer. Owner: presence.ts. */
  readonly local = new Map<string, Connection>()
  /** userId -> a peer whose socket dropped, held here for a resume. Owner: away.ts (created on first use). */
  away: Map<string, AwayPeer> | null = null
  /** The sockets of `joining`, while there are any (an empty Set is 152 B; this is per room). */
  private joiners: Set<Connection> | null = null
  /** userId -> where that peer lives, for every peer of the room this instance knows of. */
  private readonly roster = new Map<string, RosterEntry>()
  /** Roster entries held by other instances: relays skip the bus when 0. */
  private remote = 0
  /** Owner: LocalRooms. */
  subscription: Promise<(() => Promise<void>) | null> | null = null
  /** Last activity written to the store (relay.ts throttles the writes). */
  lastTouch = 0

  constructor(
    readonly roomId: string,
    private readonly instanceId: string,
  ) {
    this.channel = channels.room(roomId)
  }

  /** Local sockets whose store join is in flight: they collect the room's presence events meanwhile. Owner: presence.ts. */
  get joining(): ReadonlySet<Connection> {
    return this.joiners ?? NONE
  }

  startJoining(conn: Connection) {
    ;(this.joiners ??= new Set()).add(conn)
  }

  stopJoining(conn: Connection) {
    if (this.joiners?.delete(conn) && this.joiners.size === 0) this.joiners = null
  }

  locate(userId: string): RosterEntry | undefined {
    return this.roster.get(userId)
  }

  setRoster(userId: string, entry: RosterEntry | null) {
    const prev = this.roster.get(userId)
    if (prev && prev.instanceId !== this.instanceId) this.remote--
    if (entry) {
      this.roster.set(userId, entry)
      if (entry.instanceId !== this.instanceId) this.remote++
    } else this.roster.delete(userId)
  }

  /** Removes a roster entry only while it still names `connectionId` (a newer connection of the user stays). */
  forget(userId: string, connectionId: string) {
    if (this.roster.get(userId)?.connectionId === connectionId) this.setRoster(userId, null)
  }

  /** Peers of the room this instance knows of, wherever they live (this instance's own included). */
  get size(): number {
    return this.roster.size
  }

  get hasRemote(): boolean {
    return this.remote > 0
  }

  /** Nothing here keeps the room: no socket, no join in flight, no away peer. */
  get idle(): boolean {
    return this.local.size === 0 && this.joiners === null && (this.away?.size ?? 0) === 0
  }
}

export class LocalRooms {
  private readonly rooms = new Map<string, LocalRoom>()

  constructor(
    private readonly bus: SignalBus,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly onEnvelope: BusHandler,
  ) {}

  get(roomId: string): LocalRoom | undefined {
    return this.rooms.get(roomId)
  }

  ensure(roomId: string): LocalRoom {
    let room = this.rooms.get(roomId)
    if (!room) {
      room = new LocalRoom(roomId, this.instanceId)
      this.rooms.set(roomId, room)
    }
    return room
  }

  /** Subscribes to the room's channel once per instance; resolves when the subscription is live (or failed). */
  subscribe(room: LocalRoom): Promise<unknown> {
    room.subscription ??= this.bus.subscribe(room.channel, this.onEnvelope).catch((err: unknown) => {
      this.logger.warn('room subscribe failed', { roomId: room.roomId, err })
      room.subscription = null
      return null
    })
    return room.subscription
  }

  /** Forgets a room nothing keeps any more, and its subscription. */
  dropIfIdle(room: LocalRoom) {
    if (!room.idle || this.rooms.get(room.roomId) !== room) return
    this.rooms.delete(room.roomId)
    const pending = room.subscription
    if (pending) void pending.then((off) => off?.()).catch((err: unknown) => this.logger.debug('unsubscribe failed', { err }))
  }

  get size() {
    return this.rooms.size
  }

  values(): IterableIterator<LocalRoom> {
    return this.rooms.values()
  }

  async stop() {
    const pending = [...this.rooms.values()].map((r) => r.subscription)
    this.rooms.clear()
    for (const p of pending) if (p) await p.then((off) => off?.()).catch(() => undefined)
  }
}
