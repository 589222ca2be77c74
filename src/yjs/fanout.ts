/**
 * @module A publish reaches every subscriber of the topic once, the sender included (the stock server echoes it and
 * the provider relies on nothing else): this instance's subscribers directly, the others' through the bus, as one
 * relay envelope carrying the frame as built here.
 */
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { YjsMetrics } from '../ops/metrics.js'
import { publishFrame } from '../protocol/yjs-messages.js'
import type { BusOut } from '../signaling/bus-out.js'
import type { RelayEnvelope } from '../storage/bus.js'
import type { RoomStore } from '../storage/types.js'
import type { YjsOut } from './out.js'
import type { YjsSocket } from './socket.js'
import type { YjsTopic, YjsTopics } from './topics.js'

export interface FanoutDeps {
  topics: YjsTopics
  out: YjsOut
  bus: BusOut
  store: RoomStore
  clock: Clock
  metrics: YjsMetrics
  logger: Logger
  /** Minimum spacing of room-activity writes to the store, per room. */
  touchIntervalMs: number
}

export class YjsFanout {
  constructor(private readonly d: FanoutDeps) {}

  /** A publish from a subscriber to its own topic. `clients` is the topic's subscriber count cluster-wide. */
  publish(t: YjsTopic, from: YjsSocket, data: unknown, now: number) {
    const frame = publishFrame(t.topic, data, t.clients)
    this.d.metrics.publishes++
    this.deliver(t, frame)
    if (t.hasRemote) void this.relay(t, from, frame)
    this.touch(t, now)
  }

  /** A publish relayed by another instance: this instance's subscribers get the frame as it was built there. */
  fromBus(e: RelayEnvelope) {
    const t = this.d.topics.get(e.roomId)
    if (t) this.deliver(t, e.frame)
  }

  /** Records activity at most once per interval per room (the store's inactivity clock). */
  touch(t: YjsTopic, now: number) {
    if (now - t.lastTouch < this.d.touchIntervalMs) return
    t.lastTouch = now
    this.d.store.touchRoom(t.storeRoomId, now).catch((err: unknown) => this.d.logger.debug('touchRoom failed', { roomId: t.storeRoomId, err }))
  }

  private deliver(t: YjsTopic, frame: string) {
    for (const s of t.local) this.d.out.send(s, frame)
    this.d.metrics.deliveries += t.local.size
  }

  private async relay(t: YjsTopic, from: YjsSocket, frame: string) {
    const envelope: RelayEnvelope = { kind: 'relay', origin: this.d.bus.instanceId, roomId: t.storeRoomId, target: null, sender: from.id, frame }
    if (!(await this.d.bus.publish(t.channel, envelope))) this.d.metrics.relayFailures++
  }
}
