/**
 * @module The signaling core of one instance, assembled from its parts: handshake (auth, join, resume), presence,
 * relay, away peers, socket lifecycle, and the bus between instances. `createApp` builds one; the WebSocket route,
 * cleanup and the ops endpoints use what it returns.
 */
import { FailureGate } from '../auth/failure-gate.js'
import type { ResumeTokens } from '../auth/resume-tokens.js'
import type { TokenService } from '../auth/tokens.js'
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { Logger } from '../lib/logger.js'
import type { Scheduler } from '../lib/scheduler.js'
import type { AuditFn } from '../ops/audit.js'
import type { Metrics } from '../ops/metrics.js'
import type { AuthMessage } from '../protocol/client-messages.js'
import { channels } from '../storage/bus.js'
import type { Backend, PeerRecord } from '../storage/types.js'
import { Admission } from './admission.js'
import { AwayPeers } from './away.js'
import { BusInbox } from './bus-inbox.js'
import { BusOut } from './bus-out.js'
import type { Connection } from './connection.js'
import { Handshake } from './handshake.js'
import { Inbound } from './inbound.js'
import { Lifecycle } from './lifecycle.js'
import { Outbound } from './outbound.js'
import { Presence } from './presence.js'
import { Registry } from './registry.js'
import { Relay } from './relay.js'
import { LocalRooms } from './rooms.js'

export interface SignalingDeps {
  config: Config
  backend: Backend
  tokens: TokenService
  resumeTokens: ResumeTokens
  scheduler: Scheduler
  logger: Logger
  metrics: Metrics
  audit: AuditFn
  instanceId: string
  isDraining: () => boolean
  /** Minimum spacing of room-activity writes to the store, per room. */
  touchIntervalMs: number
}

export type Signaling = ReturnType<typeof createSignaling>

export function createSignaling(d: SignalingDeps) {
  const { config, backend, scheduler, logger, metrics, audit, instanceId, isDraining } = d
  const clock = scheduler
  const store = backend.rooms
  const out = new Outbound(clock, logger, config.ws.maxBufferedBytes)
  const registry = new Registry(metrics)
  const failures = new FailureGate({ limit: config.auth.failureLimit, blockMs: config.auth.failureBlockMs })
  const admission = new Admission({ ws: config.ws, registry, failures, clock })
  const bus = new BusOut(backend.bus, instanceId, logger)
  const rooms = new LocalRooms(backend.bus, instanceId, logger, (e) => inbox.receive(e))
  const presence = new Presence(rooms, out, bus, clock)
  const away = new AwayPeers({ rooms, registry, presence, store, out, bus, scheduler: d.scheduler, metrics, audit, logger, graceMs: config.ws.reconnectGraceMs })
  const relay = new Relay({ rooms, out, away, bus, store, clock, metrics, logger, touchIntervalMs: d.touchIntervalMs })
  const inbox = new BusInbox({ relay, presence, away, registry, rooms, out, bus, clock })
  const lifecycle: Lifecycle = new Lifecycle({ config, registry, presence, away, store, out, handshake: () => handshake, clock, metrics, audit, logger, instanceId, isDraining })
  const authenticate = (conn: Connection, msg: AuthMessage) => handshake.authenticate(conn, msg)
  const failAuth = (conn: Connection, code: ErrorCode) => handshake.failAuth(conn, code)
  const inbound: Inbound = new Inbound({ ws: config.ws, out, relay, clock, metrics, authenticate, failAuth })
  const handshake: Handshake = new Handshake({
    config,
    tokens: d.tokens,
    resumeTokens: d.resumeTokens,
    store,
    tokenUses: backend.tokens,
    presence,
    away,
    registry,
    failures,
    out,
    inbound: () => inbound,
    bus,
    scheduler: d.scheduler,
    metrics,
    audit,
    logger,
    isDraining,
    depart: (conn) => lifecycle.depart(conn),
    settle: (conn) => lifecycle.settle(conn),
    track: (work) => void lifecycle.track(work),
  })
  let instanceSubscription: Promise<() => Promise<void>> | null = null

  return {
    registry,
    admission,
    failures,
    rooms,
    lifecycle,
    inbound,
    out,
    away,
    presence,

    /** Subscribes to this instance's own channel (relays and control addressed to it). */
    async start() {
      instanceSubscription = backend.bus.subscribe(bus.ownChannel, inbox.handler)
      await instanceSubscription
    },

    /** A peer the store's sweep removed (its lease passed): its socket here goes, and the room is told. */
    async sweptPeer(peer: PeerRecord) {
      const local = registry.get(peer.connectionId)
      if (local) out.close(local, 'idle_timeout')
      away.drop(peer.connectionId)
      audit('leave', { userId: peer.userId, roomId: peer.roomId, reason: 'lease expired', remoteAddress: null })
      await presence.announceLeft(peer, 'expired')
    },

    /** Closes a room's sockets here and tells the other instances to do the same. */
    async closeRoom(roomId: string, reason: string) {
      inbox.closeRoom(roomId, reason)
      await bus.publish(channels.room(roomId), { kind: 'room-closed', origin: instanceId, roomId, reason })
    },

    async stop() {
      await rooms.stop()
      if (instanceSubscription) await instanceSubscription.then((off) => off()).catch(() => undefined)
    },
  }
}
