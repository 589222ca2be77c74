/**
 * @module The auth handshake: the room token decides who the socket is and which room it joins; a resume token from
 * the session's last auth reply moves that session to this socket instead of joining anew. Failures close the socket
 * with the code the error table gives.
 */
import type { FailureGate } from '../auth/failure-gate.js'
import type { ResumeClaims, ResumeTokens } from '../auth/resume-tokens.js'
import type { RoomClaims, TokenService } from '../auth/tokens.js'
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import { iceServersFor } from '../ice/servers.js'
import type { Logger } from '../lib/logger.js'
import type { Scheduler } from '../lib/scheduler.js'
import type { AuditFn } from '../ops/audit.js'
import { bump, type Metrics } from '../ops/metrics.js'
import type { AuthMessage } from '../protocol/client-messages.js'
import { chooseDisplayName, type DisplayName } from '../protocol/display-name.js'
import type { PeerRecord, RoomStore, TokenUseStore } from '../storage/types.js'
import type { AwayPeers } from './away.js'
import type { BusOut } from './bus-out.js'
import type { Connection } from './connection.js'
import { checkRoomToken, resumableSession } from './credentials.js'
import { authReplyFrame } from './frames.js'
import type { Inbound } from './inbound.js'
import type { Outbound } from './outbound.js'
import type { Presence } from './presence.js'
import type { Registry } from './registry.js'

export interface HandshakeDeps {
  config: Config
  tokens: TokenService
  resumeTokens: ResumeTokens
  store: RoomStore
  tokenUses: TokenUseStore
  presence: Presence
  away: AwayPeers
  registry: Registry
  /** Failed authentications per address (AUTH_FAILURE_LIMIT). */
  failures: FailureGate
  out: Outbound
  inbound: () => Inbound
  bus: BusOut
  scheduler: Scheduler
  metrics: Metrics
  audit: AuditFn
  logger: Logger
  isDraining: () => boolean
  /** Removes a socket that closed while its join was being made from the room again. */
  depart: (conn: Connection) => Promise<void>
  /** Like depart, but a socket that dropped after its reply (it holds a resume token) may stay away instead. */
  settle: (conn: Connection) => void
  /** Work a drain must wait for. */
  track: (work: Promise<void>) => void
}

/** Refusals that are the client's doing and count towards AUTH_FAILURE_LIMIT; a full room or a drain does not. */
const CLIENT_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['auth_required', 'auth_timeout', 'token_invalid', 'token_expired', 'token_used', 'token_mismatch', 'binary_unsupported', 'invalid_name'])

export class Handshake {
  constructor(private readonly d: HandshakeDeps) {}

  /** A new socket has AUTH_TIMEOUT to send its auth frame. */
  armTimeout(conn: Connection) {
    conn.authTimer = this.d.scheduler.after(this.d.config.ws.authTimeoutMs, () => {
      conn.authTimer = null
      if (conn.state === 'pending') this.failAuth(conn, 'auth_timeout')
    })
  }

  failAuth(conn: Connection, code: ErrorCode, userId = conn.userId, roomId = conn.roomId) {
    bump(this.d.metrics.authFailures, code)
    this.d.audit('auth_failure', { userId, roomId, reason: code, remoteAddress: conn.ip })
    if (CLIENT_FAULTS.has(code) && this.d.failures.record(conn.ip, this.d.scheduler.now())) {
      this.d.audit('auth_blocked', { userId: null, roomId: null, reason: `${this.d.config.auth.failureLimit} failed authentications`, remoteAddress: conn.ip })
      this.d.logger.warn('address blocked after repeated authentication failures', { remoteAddress: conn.ip, blockMs: this.d.config.auth.failureBlockMs })
    }
    this.d.out.close(conn, code)
  }

  /** Runs an auth frame to its end (a drain waits for it); an internal failure closes the socket with internal_error. */
  authenticate(conn: Connection, msg: AuthMessage) {
    conn.authTimer?.cancel()
    conn.authTimer = null
    this.d.track(
      this.run(conn, msg).catch((err: unknown) => {
        this.d.logger.error('auth failed with an internal error', { err })
        this.d.out.close(conn, 'internal_error')
      }),
    )
  }

  private async run(conn: Connection, msg: AuthMessage) {
    const verified = await checkRoomToken(this.d, msg, conn)
    if (!verified || conn.isClosed) return
    if (!verified.ok) return this.failAuth(conn, verified.code, verified.userId, verified.roomId)
    const { claims, reused } = verified
    if (this.d.isDraining()) return this.d.out.close(conn, 'draining')
    const name = chooseDisplayName(claims.userName, claims.userId, msg.data.userName ?? msg.data.name)
    if (!name) return this.failAuth(conn, 'invalid_name', claims.userId, claims.roomId)
    const session = await resumableSession(this.d, msg.data.resumeToken, claims)
    if (conn.isClosed) return
    if (session && (await this.resume(conn, claims, name, session))) return
    // A used token only ever resumes its own session: replayed alone it would take the user's place (finding 5).
    if (reused) return this.failAuth(conn, 'token_used', claims.userId, claims.roomId)
    await this.join(conn, claims, name)
  }

  private record(conn: Connection, c: RoomClaims, name: DisplayName, joinedAt: number, now: number): PeerRecord {
    const leaseUntil = now + this.d.config.leaseTtlMs
    return { roomId: c.roomId, userId: c.userId, ...name, connectionId: conn.id, instanceId: this.d.bus.instanceId, joinedAt, leaseUntil }
  }

  private async join(conn: Connection, c: RoomClaims, name: DisplayName) {
    const now = this.d.scheduler.now()
    const self = this.record(conn, c, name, now, now)
    const userName = name.userName
    const { config, store, presence } = this.d
    // Subscribed to the room before the join commits: no presence published after it can be missed.
    await presence.prepare(conn, c.roomId)
    // A socket that closed meanwhile joins nothing: its late join would replace the user's live session.
    if (conn.isClosed) return presence.abandon(conn, c.roomId)
    const joined = await store.join({ peer: self, maxPeers: config.rooms.maxPeers, maxRooms: config.rooms.maxRooms, now }).catch((err: unknown) => {
      presence.abandon(conn, c.roomId)
      throw err
    })
    if (!joined.ok) {
      presence.abandon(conn, c.roomId)
      return this.failAuth(conn, joined.reason, c.userId, c.roomId)
    }
    conn.join({ roomId: c.roomId, userId: c.userId, userName })
    conn.socket.identify?.(self)
    this.counted(conn, joined.created ? 'room created' : null, joined.replaced !== null)
    const replied = this.send(conn, await this.reply(conn, self, joined.peers, c.expiresAt, false))
    const entered = presence.enter(conn, self, joined.peers)
    if (entered) {
      const { replaced } = joined
      this.displace(entered.displaced, replaced)
      await presence.announceJoined(entered.room, self, replaced)
      if (replaced && replaced.instanceId !== self.instanceId) {
        await this.d.bus.toInstance(replaced.instanceId, { kind: 'close', origin: self.instanceId, roomId: c.roomId, connectionId: replaced.connectionId, code: 'replaced' })
      }
    }
    this.finish(conn, replied)
  }

  /** Moves the session to this socket; false when the store no longer holds it (then it is a plain join). */
  private async resume(conn: Connection, c: RoomClaims, name: DisplayName, session: ResumeClaims): Promise<boolean> {
    const now = this.d.scheduler.now()
    const self = this.record(conn, c, name, session.joinedAt, now)
    const userName = name.userName
    const { presence, away, out } = this.d
    await presence.prepare(conn, c.roomId)
    const moved = await this.d.store.resume({ peer: self, fromConnectionId: session.sessionConnectionId, now }).catch((err: unknown) => {
      presence.abandon(conn, c.roomId)
      throw err
    })
    if (!moved.ok) {
      presence.abandon(conn, c.roomId)
      return false
    }
    const { previous } = moved
    const here = previous.instanceId === self.instanceId
    conn.join({ roomId: c.roomId, userId: c.userId, userName })
    conn.socket.identify?.(self)
    this.d.metrics.authSuccesses++
    this.d.metrics.resumes++
    this.d.audit('auth_success', { userId: c.userId, roomId: c.roomId, reason: null, remoteAddress: conn.ip })
    this.d.audit('resume', { userId: c.userId, roomId: c.roomId, reason: here ? null : 'from another instance', remoteAddress: conn.ip })
    const replied = this.send(conn, await this.reply(conn, self, moved.peers, c.expiresAt, true))
    // What the room sent while the peer was away follows the reply, before anything newer.
    if (here) for (const frame of away.take(previous.connectionId)?.kept ?? []) out.send(conn, frame)
    else away.awaitHandover(conn)
    presence.supersede(previous.connectionId)
    const entered = presence.enter(conn, self, moved.peers)
    if (entered) {
      // The old socket may still be open if the server had not noticed the drop: it goes, quietly.
      this.displace(entered.displaced, here ? previous : null)
      if (entered.room.hasRemote || !here) await this.d.bus.publish(entered.room.channel, { kind: 'resumed', origin: self.instanceId, peer: self, previous })
    }
    this.finish(conn, replied)
    return true
  }

  /** Closes this instance's sockets (and drops its away peer) of a session that a newer connection took over. */
  private displace(displaced: Connection | null, previous: PeerRecord | null) {
    if (displaced) this.d.out.close(displaced, 'replaced')
    if (!previous || previous.instanceId !== this.d.bus.instanceId) return
    const old = this.d.registry.get(previous.connectionId)
    if (old && old !== displaced) this.d.out.close(old, 'replaced')
    this.d.away.drop(previous.connectionId)
  }

  /** Sends the auth reply unless the socket closed meanwhile; whether it went out. */
  private send(conn: Connection, reply: string): boolean {
    if (conn.isClosed) return false
    this.d.out.send(conn, reply)
    return true
  }

  /**
   * The join is announced: frames that waited run in order. A socket that closed meanwhile (its close was left to
   * this point, see Lifecycle.closed) is settled now, so that the room hears `peer-joined` before `peer-left`: if it
   * got its reply (and so its resume token) and then dropped, it may stay away like any joined socket.
   */
  private finish(conn: Connection, replied: boolean) {
    if (conn.isClosed) return replied ? this.d.settle(conn) : void this.d.depart(conn)
    conn.admitted()
    this.d.registry.admitted(conn)
    this.d.inbound().release(conn)
  }

  private counted(conn: Connection, created: string | null, replaced: boolean) {
    const { metrics, audit } = this.d
    const fields = { userId: conn.userId, roomId: conn.roomId, remoteAddress: conn.ip }
    metrics.authSuccesses++
    metrics.joins++
    audit('auth_success', { ...fields, reason: null })
    audit('join', { ...fields, reason: created })
    if (!replaced) return
    metrics.replacements++
    audit('replace', { ...fields, reason: 'same user joined again' })
  }

  private async reply(conn: Connection, self: PeerRecord, peers: PeerRecord[], tokenExpiresAt: number, resumed: boolean): Promise<string> {
    const { ws, rooms } = this.d.config
    const grace = ws.reconnectGraceMs
    const [resumeToken, ice] = await Promise.all([
      grace > 0 ? this.d.resumeTokens.issue({ userId: self.userId, roomId: self.roomId, sessionConnectionId: conn.id, joinedAt: self.joinedAt }) : null,
      iceServersFor(this.d.config.ice, self.userId, this.d.scheduler.now()),
    ])
    const limits = { maxMessageBytes: ws.maxMessageBytes, messagesPerSecond: ws.messageRate, messageBurst: ws.messageBurst, maxPeersPerRoom: rooms.maxPeers, heartbeatTimeoutMs: ws.heartbeatTimeoutMs }
    const fields = { self, peers, connectionId: conn.id, tokenExpiresAt, resumeToken, reconnectGraceMs: grace, resumed, iceServers: ice.iceServers, limits }
    return authReplyFrame(fields, this.d.scheduler.now())
  }
}
