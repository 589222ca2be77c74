/**
 * @module A session's frames both ways: the client frames it sends, as the protocol spells them, and what it does with
 * each server frame once it is open or opening (the roster it keeps, the events its listeners hear). The socket's
 * life (deadlines, the auth reply, reconnects) stays in session.ts.
 */
import type { ClientMessage } from '../protocol/client-messages.js'
import type { PeerInfo, ServerMessage } from '../protocol/server-messages.js'
import { toSignal, INVALID_FRAME, type AuthReply } from './checks.js'
import type { Emitter } from './emitter.js'
import type { SessionEvents, SignalingError } from './session-types.js'

/** A client frame on the wire: stamped with its send time. */
export const wireText = (frame: ClientMessage) => JSON.stringify({ ...frame, timestamp: Date.now() })

/** The first frame on every socket; the resume token while the server may still hold the session. */
export const authFrame = (token: string, userName: string | undefined, resumeToken: string | null): ClientMessage => ({
  type: 'auth',
  data: { token, ...(userName && { userName }), ...(resumeToken && { resumeToken }) },
})

export const offerFrame = (target: string, sdp: string): ClientMessage => ({ type: 'sdp-offer', targetUserId: target, data: { type: 'offer', sdp } })

export const answerFrame = (target: string, sdp: string): ClientMessage => ({ type: 'sdp-answer', targetUserId: target, data: { type: 'answer', sdp } })

/** One trickled ICE candidate; `null` (or an empty candidate) ends gathering. */
export function candidateFrame(target: string, c: RTCIceCandidateInit | null): ClientMessage {
  const candidate = c?.candidate ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null } : null
  return { type: 'ice-candidate', targetUserId: target, data: { candidate } }
}

export interface FrameSink {
  readonly peers: Map<string, PeerInfo>
  emit: Emitter<SessionEvents>['emit']
  /** The auth reply (handled only while the session is not open yet). */
  auth(msg: AuthReply): void
  /** An error frame: it names why the next close happens. */
  refused(error: SignalingError): void
}

/** Applies one valid server frame to the session. */
export function applyServerFrame(s: FrameSink, msg: ServerMessage): void {
  switch (msg.type) {
    case 'auth':
      return s.auth(msg)
    case 'peer-joined': {
      const { replaced, ...peer } = msg.data
      s.peers.set(peer.userId, peer)
      return s.emit('peer-joined', msg.data)
    }
    case 'peer-left':
      s.peers.delete(msg.data.userId)
      return s.emit('peer-left', msg.data)
    case 'sdp-offer':
    case 'offer':
    case 'sdp-answer':
    case 'answer':
    case 'ice-candidate':
    case 'ice': {
      const signal = toSignal(msg)
      return signal.ok ? s.emit('signal', signal.value) : s.emit('error', { code: INVALID_FRAME, error: signal.error })
    }
    case 'error':
      s.refused(msg.data)
      return s.emit('error', msg.data)
    case 'heartbeat':
    case 'pong':
    case 'leave-room':
    case 'room-closed':
      // room-closed is followed by close 4011, which decides what happens next.
      return
    default: {
      const never: never = msg
      return never
    }
  }
}
