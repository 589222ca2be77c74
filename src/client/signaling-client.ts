/** @module A joined signaling session: peers, typed events, signal senders, heartbeat and leave. Built by `connect()`. */
import type { ClientMessage } from '../protocol/client-messages.js'
import type { PeerInfo, ServerMessage } from '../protocol/server-messages.js'
import { closeAction, type CloseAction } from './close-codes.js'
import { Emitter } from './emitter.js'
import { INVALID_FRAME, parseServerFrame, toSignal, type Signal } from './frames.js'

export type AuthReply = Extract<ServerMessage, { type: 'auth' }>
export type PeerJoined = PeerInfo & { replaced: boolean }

export interface SelfInfo {
  userId: string
  roomId: string
  userName: string
  connectionId: string
  tokenExpiresAt: number
}

export interface SignalingError {
  code: string
  error: string
}

export interface CloseInfo {
  code: number
  reason: string
  action: CloseAction
  /** True when reconnecting with the same token after a backoff is the right move (see `backoffDelay`). */
  retry: boolean
  /** The last `error` frame the server sent before closing, if any. */
  error: SignalingError | null
}

export interface ClientEvents {
  'peer-joined': PeerJoined
  'peer-left': { userId: string; reason: string }
  signal: Signal
  error: SignalingError
  close: CloseInfo
}

const LEAVE_GRACE_MS = 2000

export class SignalingClient extends Emitter<ClientEvents> {
  readonly self: SelfInfo
  /** The other peers in the room, by userId. Filled from the auth reply, kept current by peer-joined/peer-left. */
  readonly peers = new Map<string, PeerInfo>()
  readonly limits: AuthReply['data']['limits']
  /** Settles once, when the socket has closed for any reason. */
  readonly closed: Promise<CloseInfo>
  private settle: (info: CloseInfo) => void = () => undefined
  private lastError: SignalingError | null = null
  private leaving = false
  private readonly heartbeat: ReturnType<typeof setInterval> | null

  /** Takes over a socket whose `auth` reply has just arrived; use `connect()` instead of calling this. */
  constructor(
    private readonly socket: WebSocket,
    reply: AuthReply,
    heartbeatMs: number,
  ) {
    super()
    const { data } = reply
    this.self = {
      userId: reply.userId ?? '',
      roomId: reply.roomId ?? '',
      userName: data.userName,
      connectionId: data.connectionId,
      tokenExpiresAt: data.tokenExpiresAt,
    }
    this.limits = data.limits
    for (const p of data.peers) this.peers.set(p.userId, p)
    this.closed = new Promise((resolve) => (this.settle = resolve))
    socket.onmessage = (ev) => this.onFrame(ev.data)
    socket.onclose = (ev) => this.onClose(ev.code, ev.reason)
    socket.onerror = null
    this.heartbeat = heartbeatMs > 0 ? setInterval(() => this.send({ type: 'heartbeat' }), heartbeatMs) : null
  }

  /** Sends an SDP offer to one peer. False when the socket is not open. */
  sendOffer(target: string, sdp: string): boolean {
    return this.send({ type: 'sdp-offer', targetUserId: target, data: { type: 'offer', sdp } })
  }

  /** Sends an SDP answer to one peer. */
  sendAnswer(target: string, sdp: string): boolean {
    return this.send({ type: 'sdp-answer', targetUserId: target, data: { type: 'answer', sdp } })
  }

  /** Trickles one ICE candidate to one peer; `null` (or an empty candidate) signals the end of gathering. */
  sendCandidate(target: string, candidate: RTCIceCandidateInit | null): boolean {
    const data = candidate?.candidate
      ? {
          candidate: {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? null,
            sdpMLineIndex: candidate.sdpMLineIndex ?? null,
            usernameFragment: candidate.usernameFragment ?? null,
          },
        }
      : { candidate: null }
    return this.send({ type: 'ice-candidate', targetUserId: target, data })
  }

  /** Leaves the room (the server answers and closes with 1000); resolves when the socket has closed. */
  leave(): Promise<CloseInfo> {
    if (!this.leaving) {
      this.leaving = true
      if (!this.send({ type: 'leave-room' })) this.socket.close(1000)
      else {
        const timer = setTimeout(() => this.socket.close(1000), LEAVE_GRACE_MS)
        void this.closed.then(() => clearTimeout(timer))
      }
    }
    return this.closed
  }

  private send(frame: ClientMessage): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false
    this.socket.send(JSON.stringify({ ...frame, timestamp: Date.now() }))
    return true
  }

  private onFrame(raw: unknown): void {
    const parsed = parseServerFrame(raw)
    if (!parsed.ok) return this.emit('error', { code: INVALID_FRAME, error: parsed.error })
    const msg = parsed.value
    switch (msg.type) {
      case 'peer-joined': {
        const { replaced, ...peer } = msg.data
        this.peers.set(peer.userId, peer)
        return this.emit('peer-joined', { ...peer, replaced })
      }
      case 'peer-left':
        this.peers.delete(msg.data.userId)
        return this.emit('peer-left', msg.data)
      case 'sdp-offer':
      case 'offer':
      case 'sdp-answer':
      case 'answer':
      case 'ice-candidate':
      case 'ice': {
        const signal = toSignal(msg)
        return signal.ok ? this.emit('signal', signal.value) : this.emit('error', { code: INVALID_FRAME, error: signal.error })
      }
      case 'error':
        this.lastError = msg.data
        return this.emit('error', msg.data)
      case 'auth':
      case 'heartbeat':
      case 'pong':
      case 'leave-room':
      case 'room-closed':
        // room-closed is followed by close 4011, reported through 'close'.
        return
      default: {
        const never: never = msg
        return never
      }
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.peers.clear()
    const action = this.leaving ? 'stop' : closeAction(code)
    const info: CloseInfo = { code, reason, action, retry: action === 'reconnect', error: this.lastError }
    this.settle(info)
    this.emit('close', info)
  }
}
