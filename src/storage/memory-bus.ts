/**
 * @module SignalBus in memory, for several instances in one process (tests, and any host that runs more than one app
 * over one MemoryState). It carries the same encoded text as Redis and obeys every rule of the port (bus.ts), so a
 * multi-instance test on memory exercises what Redis does: encoding, no echo, asynchronous delivery, relay refusal.
 * It reads batched messages as Redis's adapter does, but sends each envelope alone: in one process there is no
 * per-message cost to save.
 */
import { silentLogger, type Logger } from '../lib/logger.js'
import { envelopeRoom, type BusHandler, type Channel, type SignalBus } from './bus.js'
import { decodeEnvelope, encodeEnvelope, splitBatch } from './bus-codec.js'
import { StoreError } from './types.js'

interface Subscriber {
  instanceId: string
  handler: BusHandler
}

/** Subscribers by channel, shared by every instance over one MemoryState. */
export type MemoryBusState = Map<string, Set<Subscriber>>

const keyOf = (ch: Channel) => (ch.kind === 'room' ? `room\t${ch.roomId}` : `instance\t${ch.instanceId}`)

export interface MemoryBusOptions {
  state: MemoryBusState
  instanceId: string
  /** Throws StoreError once the backend is closed. */
  guard: () => void
  logger?: Logger
}

/** Whether `instanceId` subscribes to the room's channel: an instance channel reaches it only then (rule 9). */
function inRoom(state: MemoryBusState, roomId: string, instanceId: string): boolean {
  for (const s of state.get(keyOf({ kind: 'room', roomId })) ?? []) if (s.instanceId === instanceId) return true
  return false
}

/** The subscribers an envelope about `roomId` published on `channel` reaches, but `except`. */
function receiversOf(state: MemoryBusState, channel: Channel, roomId: string | null, except: string | null): Subscriber[] {
  const live = state.get(keyOf(channel))
  if (!live) return []
  return [...live].filter((s) => s.instanceId !== except && (channel.kind === 'room' || roomId === null || inRoom(state, roomId, s.instanceId)))
}

/**
 * Hands encoded text to a channel's subscribers, as PUBLISH hands it to Redis: each receiver decodes its own copy, one
 * microtask per publish (handlers never run inside publish; publishes arrive in order). Returns how many received.
 * Exported for tests that must put text on the bus that no encoder would write; `roomId` scopes an instance channel.
 */
export function publishText(
  state: MemoryBusState,
  channel: Channel,
  text: string,
  except: string | null,
  logger: Logger = silentLogger,
  roomId: string | null = null,
): number {
  return handOver(state, channel, text, receiversOf(state, channel, roomId, except), logger)
}

/** Queues delivery of `text` to receivers already counted; returns how many. */
function handOver(state: MemoryBusState, channel: Channel, text: string, receivers: Subscriber[], logger: Logger): number {
  const live = state.get(keyOf(channel))
  if (live && receivers.length > 0) queueMicrotask(() => deliver(text, receivers, live, logger))
  return receivers.length
}

function deliver(message: string, receivers: Subscriber[], live: Set<Subscriber>, logger: Logger) {
  for (const s of receivers) {
    for (const text of splitBatch(message)) {
      // Unsubscribed since the publish: nothing more for that handler.
      if (!live.has(s)) break
      const envelope = decodeEnvelope(text)
      if (!envelope) {
        logger.warn('dropped a bus message that does not decode')
        continue
      }
      if (envelope.origin === s.instanceId) continue
      try {
        s.handler(envelope)
      } catch (err) {
        logger.error('bus handler failed', { err })
      }
    }
  }
}

export function createMemoryBus(o: MemoryBusOptions): SignalBus & { closeAll(): void } {
  const logger = o.logger ?? silentLogger
  const mine = new Set<() => void>()

  return {
    async publish(channel, envelope) {
      o.guard()
      const roomId = envelopeRoom(envelope)
      // Receivers are counted before anything is handed over, so a refused relay reaches nobody.
      const receivers = receiversOf(o.state, channel, roomId, envelope.origin)
      if (receivers.length === 0) {
        if (envelope.kind === 'relay') throw new StoreError('no other instance received the relay')
        // Nobody to decode it (one instance, the default): encoding it would cost a handshake about 20 µs for nothing.
        return
      }
      handOver(o.state, channel, encodeEnvelope(envelope), receivers, logger)
    },

    async subscribe(channel, handler) {
      o.guard()
      const key = keyOf(channel)
      const sub: Subscriber = { instanceId: o.instanceId, handler }
      let subs = o.state.get(key)
      if (!subs) o.state.set(key, (subs = new Set()))
      subs.add(sub)
      const off = () => {
        subs.delete(sub)
        if (subs.size === 0 && o.state.get(key) === subs) o.state.delete(key)
        mine.delete(off)
      }
      mine.add(off)
      return async () => off()
    },

    closeAll() {
      for (const off of [...mine]) off()
    },
  }
}
