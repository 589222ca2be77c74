/**
 * @module A socket's life: it opens (and must authenticate in time), goes silent (idle timeout), closes (the peer
 * leaves at once, or stays away for a resume), and is drained at shutdown.
 */
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import { randomId } from '../lib/ids.js'
import type { Logger } from '../lib/logger.js'
import type { AuditFn } from '../ops/audit.js'
import type { Metrics } from '../ops/metrics.js'
import type { PeerRecord, RoomStore } from '../storage/types.js'
import type { AwayPeers } from './away.js'
import { Connection, type SocketPort } from './connection.js'
import type { Handshake } from './handshake.js'
import type { Outbound } from './outbound.js'
import type { Presence } from './presence.js'
import type { Registry } from './registry.js'

export interface LifecycleDeps {
  config: Config
  registry: Registry
  presence: Presence
  away: AwayPeers
  store: RoomStore
  out: Outbound
  handshake: () => Handshake
  clock: Clock
  metrics: Metrics
  audit: AuditFn
  logger: Logger
  instanceId: string
  isDraining: () => boolean
}

/** RFC 6455 1002: what the transport's own close of a protocol violation amounts to. */
const PROTOCOL_ERROR = 1002

/** The `peer-left` reason for a socket that closed. */
function leftReason(conn: Connection): string {
  switch (conn.closeReason) {
    case null:
      return 'disconnected'
    case 'left':
      return 'left'
    case 'idle_timeout':
      return 'timeout'
    default:
      return conn.closeReason
  }
}

export class Lifecycle {
  /** Leaves and handshakes in flight, so that a drain waits for every one of them, however the socket closed. */
  private readonly departures = new Set<Promise<void>>()

  constructor(private readonly d: LifecycleDeps) {}

  /** A socket finished its WebSocket handshake. */
  open(socket: SocketPort, ip: string | null, urlRoom: string | null = null): Connection {
    const conn = new Connection(randomId(), ip, socket, this.d.clock.now(), this.d.config.ws.messageBurst)
    conn.urlRoom = urlRoom
    this.d.handshake().armTimeout(conn)
    this.d.registry.add(conn)
    return conn
  }

  /**
   * The runtime reported a socket error. On Node that is a protocol violation (frame too big, invalid UTF-8, too many
   * fragments): the transport closes without waiting for the client's close frame, so the close looks abrupt (1006)
   * although the client, not the network, ended it.
   */
  failed(conn: Connection) {
    conn.closeCode = PROTOCOL_ERROR
  }

  /**
   * The socket is closed, for whatever reason; `code` is the close code the runtime reports (1006: no handshake).
   * A socket closed before its join was announced is left to the handshake, which settles it once the room has
   * heard of the join.
   */
  closed(conn: Connection, code?: number) {
    const wasJoined = conn.state === 'joined'
    if (!conn.markClosed()) return
    conn.closeCode ??= code
    conn.authTimer?.cancel()
    conn.authTimer = null
    this.d.registry.remove(conn)
    if (wasJoined) this.settle(conn)
  }

  /** A joined socket closed: its peer leaves now, or (dropped) stays away for a resume. */
  settle(conn: Connection) {
    if (this.d.isDraining() || !this.d.away.holds(conn)) return void this.depart(conn)
    this.d.away.begin(conn)
    this.d.presence.detach(conn)
  }

  /** Removes a closed socket's peer from its room and tells the room; a drain waits for it. */
  depart(conn: Connection): Promise<void> {
    return this.track(this.leave(conn))
  }

  /** Keeps `work` (a leave, a handshake in flight) until it settles, so that a drain can wait for it. */
  track(work: Promise<void>): Promise<void> {
    const settled = work.catch((err: unknown) => this.d.logger.error('depart failed', { err })).finally(() => this.departures.delete(settled))
    this.departures.add(settled)
    return settled
  }

  private async leave(conn: Connection) {
    this.d.presence.detach(conn)
    const { roomId, userId } = conn
    if (!roomId || !userId) return
    const reason = leftReason(conn)
    try {
      const { removed } = await this.d.store.leave(roomId, userId, conn.id, this.d.clock.now())
      if (!removed) return
      this.d.metrics.leaves++
      this.d.audit('leave', { userId, roomId, reason, remoteAddress: conn.ip })
      await this.d.presence.announceLeft(removed, reason)
    } catch (err) {
      this.d.logger.warn('leave failed; telling local peers only', { roomId, err })
      const gone: PeerRecord = { roomId, userId, userName: conn.userName ?? userId, connectionId: conn.id, instanceId: this.d.instanceId, joinedAt: 0, leaseUntil: 0 }
      this.d.presence.tellLocal(gone, reason)
    }
  }

  /** Closes joined sockets silent for longer than the heartbeat timeout; returns how many. */
  closeIdle(now: number): number {
    let closed = 0
    for (const conn of this.d.registry.values()) {
      this.d.presence.expireListed(conn, now)
      if (conn.state !== 'joined' || conn.closeReason !== null || now - conn.lastSeen <= this.d.config.ws.heartbeatTimeoutMs) continue
      this.d.out.close(conn, 'idle_timeout')
      closed++
    }
    this.d.away.prune(now)
    this.d.presence.prune(now)
    return closed
  }

  /** Removes every peer of this instance from the store (drain), then closes all sockets with 1001. */
  async drainAll() {
    for (const conn of [...this.d.registry.values()]) {
      const wasJoined = conn.state === 'joined'
      this.d.out.close(conn, 'draining')
      // A runtime that ran the close handler inside close() has departed this peer already (our adapters defer it,
      // but the SocketPort contract does not promise that).
      if (!wasJoined || !conn.markClosed()) continue
      this.d.registry.remove(conn)
      void this.depart(conn)
    }
    await this.d.away.departAll('draining')
    // A handshake that finishes now departs its socket: that leave joins the set while we wait.
    while (this.departures.size > 0) await Promise.allSettled([...this.departures])
  }
}
