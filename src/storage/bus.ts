/**
 * @module The SignalBus port: cross-instance messages between the instances of one deployment. Stored state lives in
 * the RoomStore; the bus only carries what one instance tells the others (a relayed frame, a presence change).
 */
import * as z from 'zod'
import { PeerRecordSchema } from './records.js'

/** Where an envelope goes: every instance holding peers of a room, or one instance. A value, never a parsed string. */
export type Channel = { readonly kind: 'room'; readonly roomId: string } | { readonly kind: 'instance'; readonly instanceId: string }

export const channels = {
  room: (roomId: string): Channel => ({ kind: 'room', roomId }),
  instance: (instanceId: string): Channel => ({ kind: 'instance', instanceId }),
}

/**
 * The identifiers inside an envelope: non-empty and free of tabs, the separator of the relay encoding. Room and user
 * ids are narrower (protocol/ids.ts); instance ids are ours.
 */
export const BusIdSchema = z.string().min(1).regex(/^[^\t]*$/)

/** A serialized server frame for the receiving instance's sockets: to one user, or to everyone but the sender. */
export const RelayEnvelopeSchema = z.object({
  kind: z.literal('relay'),
  origin: BusIdSchema,
  roomId: BusIdSchema,
  target: BusIdSchema.nullable(),
  sender: BusIdSchema,
  /** Opaque to the bus: the frame travels as these exact characters. */
  frame: z.string(),
})
export type RelayEnvelope = z.infer<typeof RelayEnvelopeSchema>

/** Every other envelope: presence and control, rare enough to travel as JSON checked by zod. */
export const ControlEnvelopeSchema = z.discriminatedUnion('kind', [
  /** `replaced` is the same user's previous record: receivers announce it as left before the join. */
  z.object({ kind: z.literal('joined'), origin: BusIdSchema, peer: PeerRecordSchema, replaced: PeerRecordSchema.nullable() }),
  z.object({ kind: z.literal('left'), origin: BusIdSchema, peer: PeerRecordSchema, reason: z.string() }),
  /** Close one connection held by the receiving instance (replacement), or drop it if it is away. */
  z.object({ kind: z.literal('close'), origin: BusIdSchema, roomId: z.string(), connectionId: z.string(), code: z.string() }),
  z.object({ kind: z.literal('room-closed'), origin: BusIdSchema, roomId: z.string(), reason: z.string() }),
  /** A session moved to a new connection (`peer`) from `previous`: rosters update, the old holder hands over. */
  z.object({ kind: z.literal('resumed'), origin: BusIdSchema, peer: PeerRecordSchema, previous: PeerRecordSchema }),
  /** The frames kept for an away peer, for the connection that resumed its session, in order. */
  z.object({ kind: z.literal('handover'), origin: BusIdSchema, roomId: z.string(), userId: z.string(), connectionId: z.string(), frames: z.array(z.string()) }),
])
export type ControlEnvelope = z.infer<typeof ControlEnvelopeSchema>

export type BusEnvelope = RelayEnvelope | ControlEnvelope

export type BusHandler = (envelope: BusEnvelope) => void

/** The room an envelope is about: every kind names one. */
export function envelopeRoom(e: BusEnvelope): string {
  switch (e.kind) {
    case 'joined':
    case 'left':
    case 'resumed':
      return e.peer.roomId
    default:
      return e.roomId
  }
}

/**
 * Cross-instance fan-out. Every adapter obeys these rules, and test/storage/conformance/bus.ts checks each one:
 * 1. Envelopes travel encoded (bus-codec.ts: a relay's frame is carried as is, never re-encoded) and arrive decoded;
 *    a message that does not decode is dropped with a warning, never handed to a handler.
 * 2. No echo: a handler never receives an envelope whose `origin` is its own instance.
 * 3. Delivery is asynchronous: no handler runs inside `publish`.
 * 4. Order: the envelopes one instance publishes about one room reach each receiver in publish order, across that
 *    room's channel and the receiver's instance channel (a Redis Cluster keeps all of a room's traffic on one shard;
 *    envelopes about different rooms may overtake each other).
 * 5. At most once: an envelope published while a receiver is not subscribed (or cannot be reached) is lost for it.
 * 6. A `relay` that no other instance received is refused: `publish` rejects with StoreError, so the sender can be
 *    told `relay_failed` instead of losing the frame silently. Other kinds resolve whoever received them.
 * 7. Every handler subscribed to a channel on an instance receives; unsubscribe is idempotent and stops only that
 *    handler.
 * 8. After the backend's `close()`, publish and subscribe reject with StoreError.
 * 9. An instance channel is scoped by room: an envelope published to `instance(X)` reaches the backend of instance
 *    X only while that backend subscribes to the channel of the envelope's room (`envelopeRoom`), or
 *    shortly after (Redis: ADDRESSED_LINGER_MS, so relays racing a departure are not refused). The hub
 *    subscribes to a room before it joins or resumes anyone there, so envelopes addressed to its peers always find it;
 *    in return Redis carries them in the room's slot (`p:{room}:to:X`), so no shard carries one instance's traffic.
 */
export interface SignalBus {
  publish(channel: Channel, envelope: BusEnvelope): Promise<void>
  /** Resolves, once the subscription is live, to an unsubscribe function. */
  subscribe(channel: Channel, handler: BusHandler): Promise<() => Promise<void>>
}
