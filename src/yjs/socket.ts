/**
 * @module One /yjs socket as the endpoint sees it: who it speaks for (its token's claims, checked before the
 * upgrade), its place in its room, its limits. Keyed by our own id. Each field has one owner, named beside it.
 */
import type { ErrorCode } from '../errors.js'
import { createBucket, type TokenBucket } from '../lib/token-bucket.js'
import type { SocketPort } from '../signaling/connection.js'
import type { YjsTopic } from './topics.js'

/**
 * Where the socket stands in its room's store membership. out: not subscribed to its topic. joining: the store join
 * is in flight. in: a subscriber, counted in `clients` and in the room's capacity. leaving: the store leave is in flight.
 */
export type Membership = 'out' | 'joining' | 'in' | 'leaving'

/** Who the socket speaks for, from the verified room token. */
export interface YjsIdentity {
  roomId: string
  userId: string
  userName: string
}

export class YjsSocket {
  /** Owner: membership.ts. */
  member: Membership = 'out'
  /** Owner: membership.ts. The topic this socket is a subscriber of (while `member` is 'in'). */
  topic: YjsTopic | null = null
  /** Owner: inbound.ts. Frames that arrived while a membership change was in flight, in order; null when none is. */
  held: string[] | null = null
  lastSeen: number
  bucket: TokenBucket
  /** Frames dropped by the rate limit since the last accepted one. */
  dropped = 0
  /** Invalid frames in a row. */
  invalid = 0
  /** Owner: out.ts. Why the server closed it, when it did. */
  closeReason: ErrorCode | null = null
  /** Owner: hub.ts (the runtime reported the close). */
  closed = false

  constructor(
    readonly id: string,
    readonly ip: string | null,
    readonly port: SocketPort,
    readonly who: YjsIdentity,
    now: number,
    burst: number,
  ) {
    this.lastSeen = now
    this.bucket = createBucket(burst, now)
  }
}
