/**
 * @module Per-connection protocol: the auth handshake, then signaling, heartbeat and leave.
 * Identity and room come from the verified token only.
 */
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { randomId } from '../lib/ids.js'
import type { Logger } from '../lib/logger.js'
import { createBucket, takeToken } from '../lib/token-bucket.js'
import type { TokenService } from '../auth/tokens.js'
import { bump, type Metrics } from '../ops/metrics.js'
import type { AuditFn } from '../ops/audit.js'
import { decodeClientFrame } from '../protocol/codec.js'
import type { AuthMessage, SignalMessage } from '../protocol/client-messages.js'
import { channels, type Backend, type PeerRecord } from '../storage/types.js'
import type { Connection, SocketPort } from './connection.js'
import { peerInfo, peerLeftFrame } from './frames.js'
import type { Hub } from './hub.js'

export interface SessionDeps {
  config: Config
  backend: Backend
  hub: Hub
  tokens: TokenService
  clock: Clock
  logger: Logger
  metrics: Metrics
  audit: AuditFn
  instanceId: string
  isDraining: () => boolean
}

/** Invalid frames in a row before the socket is closed (4000). */
const MAX_INVALID_IN_A_ROW = 10
/** Frames accepted while the auth frame is being verified. */
const MAX_QUEUED = 32

const leftReason = (conn: Connection): string => {
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

/** A function, not an inline comparison: the state changes across awaits, which narrowing cannot see. */
const isClosed = (conn: Connection) => conn.state === 'closed'

export type Sessions = ReturnType<typeof createSessions>

export function createSessions(d: SessionDeps) {
  const { config, backend, hub, clock, logger, metrics } = d
  const ws = config.ws

  /** Leaves in flight, so that a drain waits for every one of them, however the socket closed. */
  const departures = new Set<Promise<void>>()
  function track(departure: Promise<void>) {
    const settled = departure.catch((err) => logger.error('depart failed', { err })).finally(() => departures.delete(settled))
    departures.add(settled)
  }

  function reject(conn: Connection, code: ErrorCode) {
    metrics.rejectedFrames[code] = (metrics.rejectedFrames[code] ?? 0) + 1
    if (code === 'binary_unsupported') return hub.closeConnection(conn, code)
    hub.sendError(conn, code)
    if (++conn.invalid >= MAX_INVALID_IN_A_ROW) hub.closeConnection(conn, 'too_many_invalid')
  }

  function failAuth(conn: Connection, code: ErrorCode, userId: string | null, roomId: string | null) {
    bump(metrics.authFailures, code)
    d.audit('auth_failure', { userId, roomId, reason: code, remoteAddress: conn.ip })
    hub.closeConnection(conn, code)
  }

  async function depart(conn: Connection) {
    hub.detach(conn)
    const { roomId, userId } = conn
    if (!roomId || !userId) return
    const reason = leftReason(conn)
    try {
      const { removed } = await backend.rooms.leave(roomId, userId, conn.id, clock.now())
      if (!removed) return
      metrics.leaves++
      d.audit('leave', { userId, roomId, reason, remoteAddress: conn.ip })
      await hub.announceLeft(removed, reason)
    } catch (err) {
      logger.warn('leave failed; telling local peers only', { roomId, err })
      const gone: PeerRecord = { roomId, userId, userName: conn.userName ?? userId, connectionId: conn.id, instanceId: d.instanceId, joinedAt: 0, leaseUntil: 0 }
      hub.deliverPresence(gone, 'left', peerLeftFrame(gone, reason, clock.now()))
    }
  }

  async function authenticate(conn: Connection, msg: AuthMessage) {
    const verified = await d.tokens.verify(msg.data.token)
    if (isClosed(conn)) return
    const claimedUser = msg.userId ?? msg.from ?? msg.data.userId ?? null
    const claimedRoom = msg.roomId ?? msg.data.roomId ?? null
    if (!verified.ok) return failAuth(conn, verified.code, claimedUser, claimedRoom)
    const c = verified.claims
    if ((claimedUser && claimedUser !== c.userId) || (claimedRoom && claimedRoom !== c.roomId)) {
      return failAuth(conn, 'token_mismatch', c.userId, c.roomId)
    }
    // Uses are recorded only when they matter: a record per jti kept until the token expires grew the
    // heap by 157 B per handshake in the churn benchmark (about 400 MB per hour of distinct tokens).
    if (config.auth.singleUse && (await backend.tokens.recordUse(c.jti, c.expiresAt)) > 1) {
      return failAuth(conn, 'token_used', c.userId, c.roomId)
    }
    if (d.isDraining()) return hub.closeConnection(conn, 'draining')
    const now = clock.now()
    const self: PeerRecord = {
      roomId: c.roomId,
      userId: c.userId,
      userName: c.userName ?? msg.data.userName ?? msg.data.name ?? c.userId,
      connectionId: conn.id,
      instanceId: d.instanceId,
      joinedAt: now,
      leaseUntil: now + config.leaseTtlMs,
    }
    // Subscribed to the room before the join commits: no presence published after it can be missed.
    await hub.prepare(conn, c.roomId)
    let joined: Awaited<ReturnType<typeof backend.rooms.join>>
    try {
      joined = await backend.rooms.join({ peer: self, maxPeers: config.rooms.maxPeers, maxRooms: config.rooms.maxRooms, now })
    } catch (err) {
      hub.abandon(conn, c.roomId)
      throw err
    }
    if (!joined.ok) {
      hub.abandon(conn, c.roomId)
      return failAuth(conn, joined.reason, c.userId, c.roomId)
    }
    conn.userId = c.userId
    conn.roomId = c.roomId
    conn.userName = self.userName
    metrics.authSuccesses++
    metrics.joins++
    d.audit('auth_success', { userId: c.userId, roomId: c.roomId, reason: null, remoteAddress: conn.ip })
    d.audit('join', { userId: c.userId, roomId: c.roomId, reason: joined.created ? 'room created' : null, remoteAddress: conn.ip })
    if (joined.replaced) d.audit('replace', { userId: c.userId, roomId: c.roomId, reason: 'same user joined again', remoteAddress: conn.ip })
    if (isClosed(conn)) {
      await hub.admit(conn, self, joined.peers, joined.replaced)
      return depart(conn)
    }
    conn.state = 'joined'
    conn.admitting = true
    hub.send(conn, authReply(conn, self, joined.peers, c.expiresAt, now))
    try {
      await hub.admit(conn, self, joined.peers, joined.replaced)
    } finally {
      conn.admitting = false
    }
    // Frames that arrived during the join and while the room was told of it, in arrival order: nobody
    // gets a frame from this peer before its peer-joined.
    while (conn.queue.length > 0 && !isClosed(conn)) onJoinedFrame(conn, conn.queue.shift() as string, clock.now())
  }

  function authReply(conn: Connection, self: PeerRecord, peers: PeerRecord[], tokenExpiresAt: number, now: number) {
    return JSON.stringify({
      type: 'auth',
      userId: self.userId,
      roomId: self.roomId,
      data: {
        status: 'authenticated',
        userName: self.userName,
        peers: peers.map(peerInfo),
        connectionId: conn.id,
        tokenExpiresAt,
        limits: {
          maxMessageBytes: ws.maxMessageBytes,
          messagesPerSecond: ws.messageRate,
          messageBurst: ws.messageBurst,
          maxPeersPerRoom: config.rooms.maxPeers,
          heartbeatTimeoutMs: ws.heartbeatTimeoutMs,
        },
      },
      timestamp: now,
    })
  }

  function relay(conn: Connection, msg: SignalMessage, now: number) {
    const roomId = conn.roomId as string
    const sender = conn.userId as string
    const target = msg.targetUserId ?? msg.to ?? null
    if (target === sender) return reject(conn, 'invalid_message')
    // {type, roomId, userId, from, targetUserId?, data, timestamp} built from the per-connection stamp:
    // about 1 µs less per relayed signal than stringifying a fresh object (test/bench/micro/frame-costs.ts).
    // `type` is one of six literals and `target` passed the id rule, so neither needs escaping.
    conn.stamp ||= `"roomId":${JSON.stringify(roomId)},"userId":${JSON.stringify(sender)},"from":${JSON.stringify(sender)}`
    const frame = `{"type":"${msg.type}",${conn.stamp}${target === null ? '' : `,"targetUserId":"${target}"`},"data":${JSON.stringify(msg.data)},"timestamp":${now}}`
    if (target !== null) {
      const where = hub.locate(roomId, target)
      if (!where) return reject(conn, 'peer_not_found')
      if (where.instanceId === d.instanceId) hub.deliverLocal(roomId, frame, target, null)
      else void publishRelay(conn, channels.instance(where.instanceId), roomId, target, sender, frame)
    } else {
      hub.deliverLocal(roomId, frame, null, sender)
      if (hub.hasRemote(roomId)) void publishRelay(conn, channels.room(roomId), roomId, null, sender, frame)
    }
    metrics.relayedTotal++
    metrics.relayed[msg.type] = (metrics.relayed[msg.type] ?? 0) + 1
    touch(roomId, now)
  }

  async function publishRelay(conn: Connection, channel: string, roomId: string, target: string | null, sender: string, frame: string) {
    const ok = await hub.publish(channel, { kind: 'relay', origin: d.instanceId, roomId, target, sender, frame })
    if (!ok) hub.sendError(conn, 'relay_failed')
  }

  function touch(roomId: string, now: number) {
    if (!hub.shouldTouch(roomId, now)) return
    backend.rooms.touchRoom(roomId, now).catch((err) => logger.debug('touchRoom failed', { roomId, err }))
  }

  function onJoinedFrame(conn: Connection, raw: unknown, now: number) {
    const decoded = decodeClientFrame(raw, ws.maxMessageBytes)
    if (!decoded.ok) return reject(conn, decoded.code)
    if (!takeToken(conn.bucket, now, ws.messageRate, ws.messageBurst)) {
      bump(metrics.rejectedFrames, 'rate_limited')
      if (++conn.dropped === 1) hub.sendError(conn, 'rate_limited')
      else if (conn.dropped > ws.messageBurst) hub.closeConnection(conn, 'rate_limited')
      return
    }
    conn.dropped = 0
    conn.invalid = 0
    const msg = decoded.message
    switch (msg.type) {
      case 'auth':
        return failAuth(conn, 'already_authenticated', conn.userId, conn.roomId)
      case 'sdp-offer':
      case 'offer':
      case 'sdp-answer':
      case 'answer':
      case 'ice-candidate':
      case 'ice':
        return relay(conn, msg, now)
      case 'heartbeat':
        touch(conn.roomId as string, now)
        return hub.send(conn, JSON.stringify({ type: 'heartbeat', roomId: conn.roomId, userId: conn.userId, data: { status: 'ok' }, timestamp: now }))
      case 'ping':
        return hub.send(conn, JSON.stringify({ type: 'pong', timestamp: now }))
      case 'leave-room':
        hub.send(conn, JSON.stringify({ type: 'leave-room', roomId: conn.roomId, userId: conn.userId, data: { status: 'left' }, timestamp: now }))
        return hub.closeConnection(conn, 'left')
      default: {
        const never: never = msg
        return never
      }
    }
  }

  function enqueue(conn: Connection, raw: unknown) {
    if (typeof raw !== 'string') return hub.closeConnection(conn, 'binary_unsupported')
    if (conn.queue.length >= MAX_QUEUED) return hub.closeConnection(conn, 'rate_limited')
    conn.queue.push(raw)
  }

  function onMessage(conn: Connection, raw: unknown) {
    const now = clock.now()
    conn.lastSeen = now
    switch (conn.state) {
      case 'joined':
        // Earlier frames may still wait for the join to finish; keep the order.
        return conn.admitting || conn.queue.length > 0 ? enqueue(conn, raw) : onJoinedFrame(conn, raw, now)
      case 'authenticating':
        return enqueue(conn, raw)
      case 'pending': {
        const decoded = decodeClientFrame(raw, ws.maxMessageBytes)
        if (!decoded.ok || decoded.message.type !== 'auth') {
          return failAuth(conn, decoded.ok ? 'auth_required' : decoded.code === 'binary_unsupported' ? decoded.code : 'auth_required', null, null)
        }
        conn.state = 'authenticating'
        if (conn.authTimer) clearTimeout(conn.authTimer)
        conn.authTimer = null
        authenticate(conn, decoded.message).catch((err) => {
          logger.error('auth failed with an internal error', { err })
          hub.closeConnection(conn, 'internal_error')
        })
        return
      }
      case 'closed':
        return
    }
  }

  return {
    /** A socket finished its handshake. */
    open(socket: SocketPort, ip: string | null): Connection {
      const now = clock.now()
      const conn: Connection = {
        id: randomId(),
        ip,
        socket,
        state: 'pending',
        userId: null,
        roomId: null,
        userName: null,
        lastSeen: now,
        bucket: createBucket(ws.messageBurst, now),
        dropped: 0,
        invalid: 0,
        authTimer: null,
        queue: [],
        closeReason: null,
        stamp: '',
        admitting: false,
        early: null,
        listed: null,
        listedUntil: 0,
      }
      conn.authTimer = setTimeout(() => {
        conn.authTimer = null
        if (conn.state !== 'pending') return
        bump(metrics.authFailures, 'auth_timeout')
        hub.closeConnection(conn, 'auth_timeout')
      }, ws.authTimeoutMs)
      hub.register(conn)
      return conn
    },

    message: onMessage,

    /** The socket is closed, for whatever reason. */
    closed(conn: Connection) {
      if (conn.state === 'closed') return
      const was = conn.state
      conn.state = 'closed'
      if (conn.authTimer) clearTimeout(conn.authTimer)
      conn.authTimer = null
      conn.queue = []
      hub.unregister(conn)
      if (was === 'joined') track(depart(conn))
    },

    /** Closes joined sockets that have been silent longer than the heartbeat timeout. */
    closeIdle(now: number): number {
      let closed = 0
      for (const conn of hub.connections.values()) {
        if (conn.listed && now > conn.listedUntil) conn.listed = null
        if (conn.state !== 'joined' || conn.closeReason !== null || now - conn.lastSeen <= ws.heartbeatTimeoutMs) continue
        hub.closeConnection(conn, 'idle_timeout')
        closed++
      }
      return closed
    },

    /** Removes every joined peer from the store (drain), then closes all sockets with 1001. */
    async drainAll() {
      for (const conn of [...hub.connections.values()]) {
        const wasJoined = conn.state === 'joined'
        hub.closeConnection(conn, 'draining')
        // A runtime that ran the close handler inside close() has departed this peer already (our adapters
        // defer it, but the SocketPort contract does not promise that).
        if (!wasJoined || isClosed(conn)) continue
        conn.state = 'closed'
        hub.unregister(conn)
        track(depart(conn))
      }
      await Promise.allSettled([...departures])
    },
  }
}
