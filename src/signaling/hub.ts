/**
 * @module The per-instance hub: local connections by our own id, a roster per room (who is where,
 * cluster-wide), local delivery, and the SignalBus for peers held by other instances.
 */
import { closeCodeOf, ERRORS, type ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { channels, type Backend, type BusEnvelope, type PeerRecord } from '../storage/types.js'
import type { Connection, PresenceEvent } from './connection.js'
import { errorFrame, peerJoinedFrame, peerLeftFrame, roomClosedFrame } from './frames.js'
import type { Metrics } from '../ops/metrics.js'

interface RosterEntry {
  instanceId: string
  connectionId: string
}

interface LocalRoom {
  /** userId -> local connection */
  local: Map<string, Connection>
  /** userId -> where that peer lives, for every peer of the room this instance knows of */
  roster: Map<string, RosterEntry>
  /** Number of roster entries held by other instances: relay skips the bus when 0. */
  remote: number
  unsubscribe: Promise<(() => Promise<void>) | null> | null
  lastTouch: number
  /** Local sockets whose store join is in flight: they collect the room's presence events meanwhile. */
  joining: Set<Connection>
}

/** Presence events kept per joining socket at most (a join takes one store round trip). */
const MAX_EARLY_EVENTS = 1024
/** How long a late `joined` event for a peer already listed in an auth reply is recognised. */
const LISTED_WINDOW_MS = 10_000

export interface HubOptions {
  backend: Backend
  instanceId: string
  clock: Clock
  logger: Logger
  metrics: Metrics
  /** Minimum spacing of touchRoom writes per room. */
  touchIntervalMs: number
}

export type Hub = ReturnType<typeof createHub>

export function createHub(opts: HubOptions) {
  const { backend, instanceId, clock, logger, metrics } = opts
  const connections = new Map<string, Connection>()
  const rooms = new Map<string, LocalRoom>()
  const perIp = new Map<string, number>()
  let instanceUnsub: Promise<() => Promise<void>> | null = null

  /** Sends a frame, closing consumers that stopped reading. */
  function send(conn: Connection, frame: string) {
    if (conn.state === 'closed' || !conn.socket.isOpen()) return
    if (conn.socket.bufferedAmount() > maxBuffered) {
      closeConnection(conn, 'slow_consumer')
      return
    }
    conn.socket.send(frame)
  }
  let maxBuffered = Number.POSITIVE_INFINITY

  function sendError(conn: Connection, code: ErrorCode, message?: string) {
    send(conn, errorFrame(code, clock.now(), message))
  }

  /**
   * Closes with the code the error table gives, after an `error` frame naming it (none for a plain
   * leave). A consumer that stopped reading cannot take a close frame either: it is cut at once.
   * Reasons are our fixed text, never user input.
   */
  function closeConnection(conn: Connection, code: ErrorCode | 'left') {
    if (conn.state === 'closed' || conn.closeReason !== null) return
    conn.closeReason = code
    if (code === 'slow_consumer') return conn.socket.terminate()
    if (code !== 'left') send(conn, errorFrame(code, clock.now()))
    const wsCode = code === 'left' ? 1000 : (closeCodeOf(code) ?? 1008)
    const reason = code === 'left' ? 'left room' : ERRORS[code].message
    try {
      conn.socket.close(wsCode, reason.slice(0, 120))
    } catch (err) {
      logger.debug('close failed', { err })
    }
  }

  function roomFor(roomId: string): LocalRoom {
    let room = rooms.get(roomId)
    if (!room) {
      room = { local: new Map(), roster: new Map(), remote: 0, unsubscribe: null, lastTouch: 0, joining: new Set() }
      rooms.set(roomId, room)
    }
    return room
  }

  function setRoster(room: LocalRoom, userId: string, entry: RosterEntry | null) {
    const prev = room.roster.get(userId)
    if (prev && prev.instanceId !== instanceId) room.remote--
    if (entry) {
      room.roster.set(userId, entry)
      if (entry.instanceId !== instanceId) room.remote++
    } else room.roster.delete(userId)
  }

  function deliverLocal(roomId: string, frame: string, target: string | null, except: string | null) {
    const room = rooms.get(roomId)
    if (!room) return
    if (target !== null) {
      const conn = room.local.get(target)
      if (conn) send(conn, frame)
      return
    }
    for (const [userId, conn] of room.local) if (userId !== except) send(conn, frame)
  }

  /**
   * Tells a room's local sockets that a peer joined or left, at most once each: a socket whose auth reply
   * listed that peer is not told again, and sockets still joining keep the event for `admit`.
   */
  function deliverPresence(peer: PeerRecord, kind: PresenceEvent['kind'], frame: string) {
    const room = rooms.get(peer.roomId)
    if (!room) return
    for (const [userId, conn] of room.local) {
      if (userId === peer.userId) continue
      const listed = conn.listed?.delete(peer.connectionId) ?? false
      if (!(listed && kind === 'joined')) send(conn, frame)
    }
    if (room.joining.size === 0) return
    const event: PresenceEvent = { kind, userId: peer.userId, connectionId: peer.connectionId, instanceId: peer.instanceId, frame }
    for (const conn of room.joining) {
      const early = (conn.early ??= [])
      if (early.length < MAX_EARLY_EVENTS) early.push(event)
    }
  }

  /**
   * Replays what the room said while `conn`'s join was in flight, against what its auth reply listed:
   * a peer it already knows is not announced again, a peer that came and went is not announced at all.
   */
  function replayEarly(conn: Connection, room: LocalRoom, self: PeerRecord, listedPeers: PeerRecord[]) {
    const known = new Set(listedPeers.map((p) => p.connectionId))
    const awaitingJoined = new Set(known)
    for (const e of conn.early ?? []) {
      if (e.userId === self.userId) continue
      awaitingJoined.delete(e.connectionId)
      if (e.kind === 'joined') {
        setRoster(room, e.userId, { instanceId: e.instanceId, connectionId: e.connectionId })
        if (known.has(e.connectionId)) continue
        known.add(e.connectionId)
        send(conn, e.frame)
      } else {
        if (room.roster.get(e.userId)?.connectionId === e.connectionId) setRoster(room, e.userId, null)
        if (known.delete(e.connectionId)) send(conn, e.frame)
      }
    }
    conn.early = null
    // A local peer already admitted has been announced (its admit does that without yielding): only
    // peers on other instances, or local ones still joining, can still send a late `joined`.
    for (const p of listedPeers) {
      if (p.instanceId === instanceId && room.local.get(p.userId)?.id === p.connectionId) awaitingJoined.delete(p.connectionId)
    }
    conn.listed = awaitingJoined.size > 0 ? awaitingJoined : null
    conn.listedUntil = clock.now() + LISTED_WINDOW_MS
  }

  async function publish(channel: string, envelope: BusEnvelope): Promise<boolean> {
    try {
      await backend.bus.publish(channel, envelope)
      return true
    } catch (err) {
      // Debug, not warn: while Redis is down every cross-instance relay fails, and the sender is told.
      logger.debug('bus publish failed', { channel, err })
      return false
    }
  }

  function onBus(e: BusEnvelope) {
    const now = clock.now()
    switch (e.kind) {
      case 'relay':
        deliverLocal(e.roomId, e.frame, e.target, e.sender)
        return
      case 'joined': {
        const room = rooms.get(e.peer.roomId)
        if (!room) return
        const local = room.local.get(e.peer.userId)
        if (local && local.id !== e.peer.connectionId) closeConnection(local, 'replaced')
        setRoster(room, e.peer.userId, { instanceId: e.peer.instanceId, connectionId: e.peer.connectionId })
        deliverPresence(e.peer, 'joined', peerJoinedFrame(e.peer, e.replaced, now))
        return
      }
      case 'left': {
        const room = rooms.get(e.peer.roomId)
        if (!room) return
        if (room.roster.get(e.peer.userId)?.connectionId === e.peer.connectionId) setRoster(room, e.peer.userId, null)
        deliverPresence(e.peer, 'left', peerLeftFrame(e.peer, e.reason, now))
        // Another instance's sweep expired a socket we still hold (its lease lapsed): it is no longer in the room.
        const zombie = connections.get(e.peer.connectionId)
        if (zombie) closeConnection(zombie, 'idle_timeout')
        return
      }
      case 'close': {
        const conn = connections.get(e.connectionId)
        if (conn) closeConnection(conn, e.code in ERRORS ? (e.code as ErrorCode) : 'replaced')
        return
      }
      case 'room-closed':
        closeRoomLocally(e.roomId, e.reason)
        return
      default: {
        const never: never = e
        return never
      }
    }
  }

  function closeRoomLocally(roomId: string, reason: string) {
    const room = rooms.get(roomId)
    if (!room) return
    const frame = roomClosedFrame(roomId, reason, clock.now())
    for (const conn of room.local.values()) {
      send(conn, frame)
      closeConnection(conn, 'room_closed')
    }
  }

  function subscribeRoom(roomId: string, room: LocalRoom) {
    if (room.unsubscribe) return
    room.unsubscribe = backend.bus.subscribe(channels.room(roomId), onBus).catch((err) => {
      logger.warn('room subscribe failed', { roomId, err })
      room.unsubscribe = null
      return null
    })
  }

  function dropRoomIfIdle(roomId: string, room: LocalRoom) {
    if (room.local.size > 0 || room.joining.size > 0 || rooms.get(roomId) !== room) return
    rooms.delete(roomId)
    const pending = room.unsubscribe
    if (pending) void pending.then((off) => off?.()).catch((err) => logger.debug('unsubscribe failed', { err }))
  }

  return {
    connections,
    rooms,
    send,
    sendError,
    closeConnection,
    deliverLocal,
    deliverPresence,
    publish,
    setMaxBuffered(bytes: number) {
      maxBuffered = bytes
    },

    async start() {
      instanceUnsub = backend.bus.subscribe(channels.instance(instanceId), onBus)
      await instanceUnsub
    },

    /** Counts a new socket against the per-IP tally. */
    register(conn: Connection) {
      connections.set(conn.id, conn)
      if (conn.ip) perIp.set(conn.ip, (perIp.get(conn.ip) ?? 0) + 1)
      metrics.connections.inc()
    },

    connectionsFrom: (ip: string) => perIp.get(ip) ?? 0,

    /** Forgets a socket; returns true the first time. */
    unregister(conn: Connection): boolean {
      if (!connections.delete(conn.id)) return false
      if (conn.ip) {
        const n = (perIp.get(conn.ip) ?? 1) - 1
        if (n <= 0) perIp.delete(conn.ip)
        else perIp.set(conn.ip, n)
      }
      metrics.connections.dec()
      return true
    },

    /**
     * Before the store join: subscribes to the room (once per instance) and collects its presence events
     * for `conn` until `admit`, so that a peer joining elsewhere at the same moment is announced exactly once.
     */
    async prepare(conn: Connection, roomId: string) {
      const room = roomFor(roomId)
      room.joining.add(conn)
      conn.early = null
      subscribeRoom(roomId, room)
      await room.unsubscribe
    },

    /** The store join failed or threw: stop collecting for `conn`. */
    abandon(conn: Connection, roomId: string) {
      const room = rooms.get(roomId)
      conn.early = null
      if (!room) return
      room.joining.delete(conn)
      dropRoomIfIdle(roomId, room)
    },

    /** After a successful store join: local registration, roster, notifications, replacement. */
    async admit(conn: Connection, self: PeerRecord, others: PeerRecord[], replaced: PeerRecord | null) {
      const room = roomFor(self.roomId)
      room.joining.delete(conn)
      subscribeRoom(self.roomId, room)
      for (const p of others) setRoster(room, p.userId, { instanceId: p.instanceId, connectionId: p.connectionId })
      const old = room.local.get(self.userId)
      // A join that a newer one of the same user already superseded in the store must not displace it.
      if (conn.closeReason === 'replaced' && old && old !== conn) {
        conn.early = null
        return
      }
      room.local.set(self.userId, conn)
      setRoster(room, self.userId, { instanceId, connectionId: conn.id })
      replayEarly(conn, room, self, others)
      // No await from local.set to here: a local socket joining at the same moment either listed us or
      // collected this event in prepare. The room subscription is live since prepare.
      deliverPresence(self, 'joined', peerJoinedFrame(self, replaced !== null, clock.now()))
      if (old && old !== conn) closeConnection(old, 'replaced')
      // The replaced record may be a local socket whose own join has not reached this point yet.
      const pending = replaced?.instanceId === instanceId ? connections.get(replaced.connectionId) : undefined
      if (pending && pending !== old && pending !== conn) closeConnection(pending, 'replaced')
      if (replaced && replaced.instanceId !== instanceId) {
        await publish(channels.instance(replaced.instanceId), {
          kind: 'close',
          origin: instanceId,
          roomId: self.roomId,
          connectionId: replaced.connectionId,
          code: 'replaced',
        })
      }
      if (room.remote > 0) await publish(channels.room(self.roomId), { kind: 'joined', origin: instanceId, peer: self, replaced: replaced !== null })
    },

    /** Tells the room a peer is gone (exactly once: callers pass only peers the store removed). */
    async announceLeft(peer: PeerRecord, reason: string) {
      const room = rooms.get(peer.roomId)
      if (room?.roster.get(peer.userId)?.connectionId === peer.connectionId) setRoster(room, peer.userId, null)
      deliverPresence(peer, 'left', peerLeftFrame(peer, reason, clock.now()))
      if (room === undefined || room.remote > 0) await publish(channels.room(peer.roomId), { kind: 'left', origin: instanceId, peer, reason })
    },

    /** Removes a closed connection from its local room. */
    detach(conn: Connection) {
      if (!conn.roomId || !conn.userId) return
      const room = rooms.get(conn.roomId)
      if (!room) return
      if (room.local.get(conn.userId) === conn) {
        room.local.delete(conn.userId)
        if (room.roster.get(conn.userId)?.connectionId === conn.id) setRoster(room, conn.userId, null)
      }
      dropRoomIfIdle(conn.roomId, room)
    },

    /** Closes a room's local sockets and tells other instances to do the same. */
    async closeRoom(roomId: string, reason: string) {
      closeRoomLocally(roomId, reason)
      await publish(channels.room(roomId), { kind: 'room-closed', origin: instanceId, roomId, reason })
    },

    /** Where a peer of a room lives, or undefined when it is not in the room. */
    locate: (roomId: string, userId: string) => rooms.get(roomId)?.roster.get(userId),

    /** Whether this room has peers on other instances (broadcasts then also go over the bus). */
    hasRemote: (roomId: string) => (rooms.get(roomId)?.remote ?? 0) > 0,

    /** True when the room's activity should be written to the store now (throttled per room). */
    shouldTouch(roomId: string, now: number): boolean {
      const room = rooms.get(roomId)
      if (!room || now - room.lastTouch < opts.touchIntervalMs) return false
      room.lastTouch = now
      return true
    },

    async stop() {
      const pending = [...rooms.values()].map((r) => r.unsubscribe)
      rooms.clear()
      for (const p of pending) if (p) await p.then((off) => off?.()).catch(() => undefined)
      if (instanceUnsub) await instanceUnsub.then((off) => off()).catch(() => undefined)
    },
  }
}
