/**
 * @module SignalBus over Redis pub/sub: sharded (SSUBSCRIBE/SPUBLISH, Redis 7) when the server has it, plain otherwise.
 * One dedicated subscriber connection; a channel is subscribed while at least one local handler wants it. The text on
 * the wire is bus-codec.ts's, the same as the memory bus carries.
 */
import type { Logger } from '../lib/logger.js'
import type { BusHandler, SignalBus } from './bus.js'
import { decodeEnvelope, encodeEnvelope } from './bus-codec.js'
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
  guard: () => void
}

const failure = (what: string, err: unknown) => new StoreError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })

/**
 * Rule 6 of the port (a relay nobody else received is refused) comes from PUBLISH's receiver count. The count can
 * only err towards a false failure (a receiver that is reconnecting), never towards a silent drop.
 */
export function createRedisBus(d: RedisBusDeps): SignalBus {
  /** By Redis channel name: the name is only ever looked up, never parsed back into a bus channel. */
  const subs = new Map<string, Subscription>()
  const publishCommand = d.sharded ? 'SPUBLISH' : 'PUBLISH'

  function dispatch(channel: unknown, message: unknown) {
    const sub = typeof channel === 'string' ? subs.get(channel) : undefined
    if (!sub || typeof message !== 'string') return
    const envelope = decodeEnvelope(message)
    if (!envelope) return d.logger.warn('dropped a bus message that does not decode', { channel })
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

  async function release(ch: string, sub: Subscription, handler: BusHandler) {
    if (!sub.handlers.delete(handler) || sub.handlers.size > 0 || subs.get(ch) !== sub) return
    subs.delete(ch)
    await redisUnsubscribe(ch).catch((err: unknown) => d.logger.debug('unsubscribe failed', { channel: ch, err }))
  }

  function subscription(ch: string): Subscription {
    const existing = subs.get(ch)
    if (existing) return existing
    const created: Subscription = { handlers: new Set(), ready: redisSubscribe(ch).then(() => undefined) }
    subs.set(ch, created)
    created.ready.catch(() => {
      if (subs.get(ch) === created) subs.delete(ch)
    })
    return created
  }

  return {
    async publish(channel, envelope) {
      d.guard()
      const ch = d.keys.channel(channel)
      let receivers: unknown
      try {
        receivers = await d.pub.call(publishCommand, ch, encodeEnvelope(envelope))
      } catch (err) {
        throw err instanceof StoreError ? err : failure('Redis publish failed', err)
      }
      // Our own subscriber counts as a receiver of a channel we listen to; it is not another instance.
      const self = subs.has(ch) && d.sub.status === 'ready' ? 1 : 0
      if (envelope.kind === 'relay' && Number(receivers) <= self) throw new StoreError('no other instance received the relay')
    },

    async subscribe(channel, handler) {
      d.guard()
      const ch = d.keys.channel(channel)
      const wanted = subscription(ch)
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
        await release(ch, wanted, handler)
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
