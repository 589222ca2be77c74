/**
 * @module SignalBus over Redis pub/sub: sharded (SSUBSCRIBE/SPUBLISH, Redis 7) when the server has it, plain otherwise.
 * One subscriber client (on a Cluster, ioredis keeps one connection per master under it). Per room this instance
 * holds peers in, it subscribes to two channels of the room's slot at once: the room's channel and its own addressed
 * channel for that room (the port's rule 9), so everything about a room travels through one shard in order. The text
 * on the wire is bus-codec.ts's, the same as the memory bus carries.
 */
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { envelopeRoom, type BusHandler, type SignalBus } from './bus.js'
import { batchable, decodeEnvelope, encodeBatch, encodeEnvelope, splitBatch } from './bus-codec.js'
import type { RedisClientLike } from './redis-client.js'
import type { RedisKeys } from './redis-keys.js'
import { StoreError } from './types.js'

interface Subscription {
  handlers: Set<BusHandler>
  /** Settles when Redis confirmed the subscription. */
  ready: Promise<void>
}

export interface RedisBusDeps {
  pub: RedisClientLike
  sub: RedisClientLike
  keys: RedisKeys
  instanceId: string
  sharded: boolean
  logger: Logger
  clock: Clock
  guard: () => void
  /** When queued publishes go out (RedisBackendSettings.publishBatching). */
  defer: (flush: () => void) => void
}

/** How long an instance keeps receiving envelopes addressed to it about a room it no longer holds anyone in. */
export const ADDRESSED_LINGER_MS = 5000

/** Envelopes in one Redis message at most. */
const MAX_BATCH = 64

interface Pending {
  ch: string
  /** The encoded envelope; emptied once it is in the batch text (ioredis keeps that until the reply). */
  text: string
  /** bus-codec's `batchable`, decided once per envelope. */
  batchable: boolean
  relay: boolean
  resolve: () => void
  reject: (err: unknown) => void
}

const failure = (what: string, err: unknown) => new StoreError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })

/**
 * Rule 6 of the port (a relay nobody else received is refused) comes from PUBLISH's receiver count. The count can
 * only err towards a false failure (a receiver that is reconnecting), never towards a silent drop.
 */
export function createRedisBus(d: RedisBusDeps): SignalBus {
  /** Room subscriptions by the room's Redis channel: the name is only ever looked up, never parsed back. */
  const rooms = new Map<string, Subscription>()
  /** This instance's addressed channel of each subscribed room. */
  const addressed = new Set<string>()
  /** Handlers of this instance's own channel: they get what arrives on every addressed channel. */
  const own = new Set<BusHandler>()
  const publishCommand = d.sharded ? 'SPUBLISH' : 'PUBLISH'

  function dispatch(channel: unknown, message: unknown) {
    if (typeof channel !== 'string' || typeof message !== 'string') return
    const handlers = rooms.get(channel)?.handlers ?? (addressed.has(channel) ? own : undefined)
    if (!handlers) return
    for (const text of splitBatch(message)) {
      const envelope = decodeEnvelope(text)
      if (!envelope) {
        d.logger.warn('dropped a bus message that does not decode', { channel })
        continue
      }
      if (envelope.origin === d.instanceId) continue
      for (const handler of handlers) {
        try {
          handler(envelope)
        } catch (err) {
          d.logger.error('bus handler failed', { channel, err })
        }
      }
    }
  }
  d.sub.on(d.sharded ? 'smessage' : 'message', dispatch)

  const redisSubscribe = (...chs: string[]) => (d.sharded ? d.sub.ssubscribe(...chs) : d.sub.subscribe(...chs))
  const redisUnsubscribe = (...chs: string[]) => (d.sharded ? d.sub.sunsubscribe(...chs) : d.sub.unsubscribe(...chs))

  const unsubscribe = (...chs: string[]) => redisUnsubscribe(...chs).catch((err: unknown) => d.logger.debug('unsubscribe failed', { chs, err }))

  /**
   * The addressed channel of a room outlives the room's subscription by at least ADDRESSED_LINGER_MS: the hub drops a
   * room as its last peer goes, before the others hear of it, and their relays to that peer meanwhile should reach
   * this instance (which drops them as the departure's) rather than come back as `relay_failed`. Expired ones go at
   * the next subscribe or release (no timer per room): oldest first, as the map keeps insertion order.
   */
  const lingering = new Map<string, { roomChannel: string; until: number }>()
  function linger(roomChannel: string, to: string) {
    lingering.delete(to)
    lingering.set(to, { roomChannel, until: d.clock.now() + ADDRESSED_LINGER_MS })
  }
  function pruneLingering() {
    const now = d.clock.now()
    for (const [to, l] of lingering) {
      if (l.until > now) return
      lingering.delete(to)
      if (rooms.has(l.roomChannel)) continue
      addressed.delete(to)
      void unsubscribe(to)
    }
  }

  async function release(roomId: string, sub: Subscription, handler: BusHandler) {
    const ch = d.keys.roomChannel(roomId)
    if (!sub.handlers.delete(handler) || sub.handlers.size > 0 || rooms.get(ch) !== sub) return
    rooms.delete(ch)
    pruneLingering()
    linger(ch, d.keys.addressed(roomId, d.instanceId))
    await unsubscribe(ch)
  }

  function subscription(roomId: string): Subscription {
    const ch = d.keys.roomChannel(roomId)
    const existing = rooms.get(ch)
    if (existing) return existing
    const to = d.keys.addressed(roomId, d.instanceId)
    pruneLingering()
    lingering.delete(to)
    const created: Subscription = { handlers: new Set(), ready: redisSubscribe(ch, to).then(() => undefined) }
    rooms.set(ch, created)
    addressed.add(to)
    created.ready.catch(() => {
      if (rooms.get(ch) !== created) return
      rooms.delete(ch)
      addressed.delete(to)
    })
    return created
  }

  /** Our own subscriber counts as a receiver of a channel we listen to; it is not another instance. */
  const selfCount = (ch: string) => ((rooms.has(ch) || addressed.has(ch)) && d.sub.status === 'ready' ? 1 : 0)

  /**
   * Publishes wait (`d.defer`: the end of the current synchronous run, or of the event loop's I/O phase), then go out
   * in order, the consecutive ones for one channel as one message (bus-codec.ts's batch): the frames of one socket
   * read relayed to the same instance cost one Redis message, not one each. Order is kept per channel and across
   * channels.
   */
  let queue: Pending[] = []
  function flush() {
    const q = queue
    queue = []
    for (let i = 0; i < q.length; ) {
      let j = i + 1
      if (q[i]!.batchable) while (j < q.length && j - i < MAX_BATCH && q[j]!.ch === q[i]!.ch && q[j]!.batchable) j++
      void send(q.slice(i, j))
      i = j
    }
  }
  async function send(group: Pending[]) {
    const ch = group[0]!.ch
    let receivers: unknown
    try {
      const reply = d.pub.call(publishCommand, ch, encodeBatch(group.map((p) => p.text)))
      for (const p of group) p.text = ''
      receivers = await reply
    } catch (err) {
      const e = err instanceof StoreError ? err : failure('Redis publish failed', err)
      for (const p of group) p.reject(e)
      return
    }
    const nobody = Number(receivers) <= selfCount(ch)
    for (const p of group) {
      if (p.relay && nobody) p.reject(new StoreError('no other instance received the relay'))
      else p.resolve()
    }
  }

  return {
    // Not `async`: one promise per publish, not two. A publish waits for Redis's reply, so what it holds is live
    // through young-generation collections while the reply is in flight (see docs/performance.md, "bus publish").
    publish(channel, envelope) {
      let ch: string
      let text: string
      try {
        d.guard()
        ch = d.keys.channel(channel, envelopeRoom(envelope))
        text = encodeEnvelope(envelope)
      } catch (err) {
        return Promise.reject(err)
      }
      return new Promise<void>((resolve, reject) => {
        if (queue.length === 0) d.defer(flush)
        queue.push({ ch, text, batchable: batchable(text), relay: envelope.kind === 'relay', resolve, reject })
      })
    },

    async subscribe(channel, handler) {
      d.guard()
      if (channel.kind === 'instance') {
        // Nothing to subscribe in Redis: the addressed channels come with the room subscriptions. Another instance's
        // channel never carries anything to this backend (rule 9), so its handler just waits.
        if (channel.instanceId !== d.instanceId) return async () => undefined
        own.add(handler)
        return async () => void own.delete(handler)
      }
      const wanted = subscription(channel.roomId)
      wanted.handlers.add(handler)
      try {
        await wanted.ready
      } catch (err) {
        wanted.handlers.delete(handler)
        throw failure('Redis subscribe failed', err)
      }
      let done = false
      return async () => {
        if (done) return
        done = true
        await release(channel.roomId, wanted, handler)
      }
    },
  }
}

/** Whether the server has sharded pub/sub (Redis 7+): SPUBLISH to a probe channel succeeds. */
export async function detectSharded(pub: RedisClientLike, keys: RedisKeys): Promise<boolean> {
  try {
    await pub.call('SPUBLISH', keys.probeChannel, '')
    return true
  } catch (err) {
    if (err instanceof Error && /unknown command/i.test(err.message)) return false
    throw err
  }
}
