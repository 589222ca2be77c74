/**
 * @module SignalBus over Redis pub/sub: sharded (SSUBSCRIBE/SPUBLISH, Redis 7) when the server has it, plain otherwise.
 * One dedicated subscriber connection; a channel is subscribed while at least one local handler wants it.
 */
import type { Logger } from '../lib/logger.js'
import type { RedisClientLike } from './redis-client.js'
import type { RedisKeys } from './redis-keys.js'
import { BusEnvelopeSchema, StoreError, type BusEnvelope, type SignalBus } from './types.js'

type Handler = (envelope: BusEnvelope) => void

interface Subscription {
  handlers: Set<Handler>
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
  guard: () => void
}

/**
 * Pub/sub is at-most-once: a message published while the receiving instance's subscriber is reconnecting is lost.
 * A `relay` is therefore refused (StoreError, so the hub answers the sender `relay_failed`) when Redis reports that
 * no other instance received it; the count can only err towards a false failure, never towards a silent drop.
 */
export function createRedisBus(d: RedisBusDeps): SignalBus {
  const subs = new Map<string, Subscription>()
  const publishCommand = d.sharded ? 'SPUBLISH' : 'PUBLISH'

  function dispatch(channel: unknown, message: unknown) {
    const sub = typeof channel === 'string' ? subs.get(channel) : undefined
    if (!sub || typeof message !== 'string') return
    let envelope: BusEnvelope
    try {
      const parsed = BusEnvelopeSchema.safeParse(JSON.parse(message))
      if (!parsed.success) return d.logger.warn('dropped an invalid bus envelope', { channel })
      envelope = parsed.data
    } catch {
      return d.logger.warn('dropped a bus message that is not JSON', { channel })
    }
    if (envelope.origin === d.instanceId) return
    for (const handler of sub.handlers) {
      try {
        handler(envelope)
      } catch (err) {
        d.logger.error('bus handler failed', { channel, err })
      }
    }
  }
  d.sub.on(d.sharded ? 'smessage' : 'message', dispatch)

  const redisSubscribe = (ch: string) => (d.sharded ? d.sub.ssubscribe(ch) : d.sub.subscribe(ch))
  const redisUnsubscribe = (ch: string) => (d.sharded ? d.sub.sunsubscribe(ch) : d.sub.unsubscribe(ch))

  async function release(ch: string, sub: Subscription, handler: Handler) {
    if (!sub.handlers.delete(handler) || sub.handlers.size > 0 || subs.get(ch) !== sub) return
    subs.delete(ch)
    await redisUnsubscribe(ch).catch((err: unknown) => d.logger.debug('unsubscribe failed', { channel: ch, err }))
  }

  return {
    async publish(channel, envelope) {
      d.guard()
      const ch = d.keys.channel(channel)
      let receivers: unknown
      try {
        receivers = await d.pub.call(publishCommand, ch, JSON.stringify(envelope))
      } catch (err) {
        throw new StoreError(`Redis publish failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
      const self = subs.has(ch) && d.sub.status === 'ready' ? 1 : 0
      if (envelope.kind === 'relay' && Number(receivers) <= self) throw new StoreError('no other instance received the relay')
    },

    async subscribe(channel, handler) {
      d.guard()
      const ch = d.keys.channel(channel)
      let sub = subs.get(ch)
      if (!sub) {
        const created: Subscription = { handlers: new Set(), ready: redisSubscribe(ch).then(() => undefined) }
        subs.set(ch, created)
        created.ready.catch(() => {
          if (subs.get(ch) === created) subs.delete(ch)
        })
        sub = created
      }
      const wanted = sub
      wanted.handlers.add(handler)
      try {
        await wanted.ready
      } catch (err) {
        wanted.handlers.delete(handler)
        throw new StoreError(`Redis subscribe failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
      let done = false
      return async () => {
        if (done) return
        done = true
        await release(ch, wanted, handler)
      }
    },
  }
}

/** Whether the server has sharded pub/sub (Redis 7+): SPUBLISH to a probe channel succeeds. */
export async function detectSharded(pub: RedisClientLike, keys: RedisKeys): Promise<boolean> {
  try {
    await pub.call('SPUBLISH', keys.channel('probe'), '')
    return true
  } catch (err) {
    if (err instanceof Error && /unknown command/i.test(err.message)) return false
    throw err
  }
}
