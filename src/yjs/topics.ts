/**
 * @module The /yjs rooms this instance takes part in: its subscribers per topic, the roster of every subscriber of
 * the topic cluster-wide (for `clients`, and to know whether other instances must get a publish), and the topic's
 * bus subscription.
 *
 * A /yjs room lives in the RoomStore as `yjs/<room>`: `/` is not allowed in room ids (protocol/ids.ts), so it can
 * never meet a /ws room of the same name, and the store gives the same capacity, leases and sweeps as /ws rooms.
 */
import type { Logger } from '../lib/logger.js'
import { channels, type BusHandler, type Channel, type SignalBus } from '../storage/bus.js'
import type { YjsSocket } from './socket.js'

const PREFIX = 'yjs/'

/** The store's (and the bus's) room id of a /yjs topic. */
export const yjsStoreRoomId = (roomId: string) => `${PREFIX}${roomId}`

/** Whether a store room id belongs to /yjs. */
export const isYjsRoom = (storeRoomId: string) => storeRoomId.startsWith(PREFIX)

export class YjsTopic {
  readonly channel: Channel
  /** This instance's subscribers. Owner: membership.ts. */
  readonly local = new Set<YjsSocket>()
  /** Store joins in flight here. Owner: membership.ts. */
  joining = 0
  /**
   * Connection ids that left while a join here was in flight: that join's peer list may still name them, and they
   * must not come back into the roster from it. Owner: membership.ts.
   */
  departed: Set<string> | null = null
  /** connectionId -> instanceId of every subscriber this instance knows of, its own included. */
  private readonly roster = new Map<string, string>()
  /** Roster entries held by other instances: a publish skips the bus when 0. */
  private remote = 0
  /** Owner: YjsTopics. */
  subscription: Promise<(() => Promise<void>) | null> | null = null
  /** Last activity written to the store (fanout.ts throttles the writes). */
  lastTouch = 0

  constructor(
    /** The topic as clients name it: the token's room. */
    readonly topic: string,
    readonly storeRoomId: string,
    private readonly instanceId: string,
  ) {
    this.channel = channels.room(storeRoomId)
  }

  enlist(connectionId: string, instanceId: string) {
    this.strike(connectionId)
    this.roster.set(connectionId, instanceId)
    if (instanceId !== this.instanceId) this.remote++
  }

  strike(connectionId: string) {
    const held = this.roster.get(connectionId)
    if (held === undefined) return
    this.roster.delete(connectionId)
    if (held !== this.instanceId) this.remote--
  }

  /** Subscribers of the topic cluster-wide, as this instance knows them: the stock server's `clients`. */
  get clients(): number {
    return this.roster.size
  }

  get hasRemote(): boolean {
    return this.remote > 0
  }

  /** Nothing here keeps the topic: no subscriber, no join in flight. */
  get idle(): boolean {
    return this.local.size === 0 && this.joining === 0
  }
}

export class YjsTopics {
  private readonly topics = new Map<string, YjsTopic>()

  constructor(
    private readonly bus: SignalBus,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly onEnvelope: BusHandler,
  ) {}

  /** By store room id (`yjs/<room>`), as bus envelopes name it. */
  get(storeRoomId: string): YjsTopic | undefined {
    return this.topics.get(storeRoomId)
  }

  ensure(topic: string): YjsTopic {
    const storeRoomId = yjsStoreRoomId(topic)
    let t = this.topics.get(storeRoomId)
    if (!t) {
      t = new YjsTopic(topic, storeRoomId, this.instanceId)
      this.topics.set(storeRoomId, t)
    }
    return t
  }

  /** Subscribes to the topic's channel once per instance; resolves when the subscription is live (or failed). */
  subscribe(t: YjsTopic): Promise<unknown> {
    t.subscription ??= this.bus.subscribe(t.channel, this.onEnvelope).catch((err: unknown) => {
      this.logger.warn('yjs topic subscribe failed', { roomId: t.storeRoomId, err })
      t.subscription = null
      return null
    })
    return t.subscription
  }

  /** Forgets a topic nothing keeps any more, and its subscription. */
  dropIfIdle(t: YjsTopic) {
    if (!t.idle || this.topics.get(t.storeRoomId) !== t) return
    this.topics.delete(t.storeRoomId)
    const pending = t.subscription
    if (pending) void pending.then((off) => off?.()).catch((err: unknown) => this.logger.debug('unsubscribe failed', { err }))
  }

  get size() {
    return this.topics.size
  }

  values(): IterableIterator<YjsTopic> {
    return this.topics.values()
  }

  async stop() {
    const pending = [...this.topics.values()].map((t) => t.subscription)
    this.topics.clear()
    for (const p of pending) if (p) await p.then((off) => off?.()).catch(() => undefined)
  }
}
