/**
 * @module The /yjs endpoint of one instance, assembled from its parts: the sockets, their topics and store
 * membership, the fan-out, and the bus between instances. `createApp` builds one; the route, cleanup and drain use
 * what it returns.
 */
import type { Config } from '../config.js'
import type { Logger } from '../lib/logger.js'
import { randomId } from '../lib/ids.js'
import type { Scheduler } from '../lib/scheduler.js'
import type { AuditFn } from '../ops/audit.js'
import type { Metrics } from '../ops/metrics.js'
import { BusOut } from '../signaling/bus-out.js'
import type { SocketPort } from '../signaling/connection.js'
import type { Registry } from '../signaling/registry.js'
import { channels, type BusEnvelope } from '../storage/bus.js'
import type { Backend, PeerRecord } from '../storage/types.js'
import { YjsFanout } from './fanout.js'
import { YjsInbound } from './inbound.js'
import { auditReason, Membership } from './membership.js'
import { YjsOut } from './out.js'
import { YjsSocket, type YjsIdentity } from './socket.js'
import { YjsTopics, yjsStoreRoomId } from './topics.js'

export interface YjsDeps {
  config: Config
  backend: Backend
  scheduler: Scheduler
  logger: Logger
  metrics: Metrics
  audit: AuditFn
  instanceId: string
  /** The instance's socket tally, shared with /ws: the connection caps hold for both endpoints together. */
  registry: Registry
  touchIntervalMs: number
}

export type Yjs = ReturnType<typeof createYjs>

export function createYjs(d: YjsDeps) {
  const { config, scheduler: clock, logger, audit } = d
  const metrics = d.metrics.yjs
  const sockets = new Map<string, YjsSocket>()
  const work = new Set<Promise<void>>()
  const out = new YjsOut(clock, logger, config.ws.maxBufferedBytes)
  const bus = new BusOut(d.backend.bus, d.instanceId, logger)
  const topics = new YjsTopics(d.backend.bus, d.instanceId, logger, (e) => receive(e))
  const store = d.backend.rooms
  const membership = new Membership({ config, store, topics, out, bus, clock, metrics, audit, logger, socket: (id) => sockets.get(id), track: (p) => track(p) })
  const fanout = new YjsFanout({ topics, out, bus, store, clock, metrics, logger, touchIntervalMs: d.touchIntervalMs })
  const inbound = new YjsInbound({ ws: config.ws, out, fanout, membership, clock, metrics })

  /** Keeps membership work until it settles, so that a drain can wait for it. */
  function track(p: Promise<void>) {
    const settled = p.catch((err: unknown) => logger.error('yjs membership change failed', { err })).finally(() => work.delete(settled))
    work.add(settled)
  }

  function receive(e: BusEnvelope) {
    switch (e.kind) {
      case 'relay':
        return fanout.fromBus(e)
      case 'joined':
        return membership.receiveJoined(e.peer)
      case 'left':
        return membership.receiveLeft(e.peer)
      case 'room-closed':
        return closeLocal(e.roomId)
      // /ws session kinds: nothing on /yjs sends them to a yjs room.
      case 'close':
      case 'resumed':
      case 'handover':
        return
      default: {
        const never: never = e
        return never
      }
    }
  }

  function closeLocal(storeRoomId: string) {
    for (const s of [...(topics.get(storeRoomId)?.local ?? [])]) out.close(s, 'room_closed')
  }

  /** The runtime reported the close (or a drain closed it): the socket is forgotten and its subscription ends. */
  function closed(s: YjsSocket) {
    if (s.closed) return
    s.closed = true
    s.held = null
    sockets.delete(s.id)
    d.registry.removeOther(s.ip)
    void membership.leave(s, s.closeReason ?? 'disconnected')
  }

  return {
    /** A socket whose token was checked before the upgrade finished its WebSocket handshake. */
    open(port: SocketPort, ip: string | null, who: YjsIdentity): YjsSocket {
      const s = new YjsSocket(randomId(), ip, port, who, clock.now(), config.ws.messageBurst)
      sockets.set(s.id, s)
      d.registry.addOther(ip)
      audit('auth_success', { userId: who.userId, roomId: yjsStoreRoomId(who.roomId), reason: auditReason(''), remoteAddress: ip })
      return s
    },
    message: (s: YjsSocket, raw: unknown) => inbound.message(s, raw),
    closed,
    /** A handler failed on this socket: it is closed with internal_error. */
    fail: (s: YjsSocket) => out.close(s, 'internal_error'),

    get size() {
      return sockets.size
    },
    get topics() {
      return topics.size
    },

    /** Closes sockets silent for longer than PEER_HEARTBEAT_TIMEOUT (y-webrtc pings every 15 s); returns how many. */
    closeIdle(now: number): number {
      let n = 0
      for (const s of sockets.values()) {
        if (s.closeReason !== null || now - s.lastSeen <= config.ws.heartbeatTimeoutMs) continue
        out.close(s, 'idle_timeout')
        n++
      }
      return n
    },

    /** A subscriber whose lease passed, as this instance's sweep found it. */
    sweptPeer: (peer: PeerRecord) => membership.swept(peer),

    /** Closes a room's sockets here and tells the other instances to do the same. */
    async closeRoom(storeRoomId: string, reason: string) {
      closeLocal(storeRoomId)
      await bus.publish(channels.room(storeRoomId), { kind: 'room-closed', origin: d.instanceId, roomId: storeRoomId, reason })
    },

    /** Drain: every socket gets 1001 and leaves its room; resolves once the store has heard of every leave. */
    async drainAll() {
      for (const s of [...sockets.values()]) {
        out.close(s, 'draining')
        closed(s)
      }
      while (work.size > 0) await Promise.allSettled([...work])
    },

    stop: () => topics.stop(),
  }
}
