/** @module Builders for server frames (see protocol/server-messages.ts for the schemas). */
import { ERRORS, type ErrorCode } from '../errors.js'
import type { IceServer } from '../protocol/server-messages.js'
import type { PeerRecord } from '../storage/types.js'

export const peerInfo = (p: PeerRecord) => ({ userId: p.userId, userName: p.userName, joinedAt: p.joinedAt })

export const errorFrame = (code: ErrorCode, now: number, error: string = ERRORS[code].message) =>
  JSON.stringify({ type: 'error', data: { code, error }, timestamp: now })

export const peerJoinedFrame = (p: PeerRecord, replaced: boolean, now: number) =>
  JSON.stringify({ type: 'peer-joined', roomId: p.roomId, userId: p.userId, data: { ...peerInfo(p), replaced }, timestamp: now })

export const peerLeftFrame = (p: PeerRecord, reason: string, now: number) =>
  JSON.stringify({ type: 'peer-left', roomId: p.roomId, userId: p.userId, data: { userId: p.userId, reason }, timestamp: now })

export const roomClosedFrame = (roomId: string, reason: string, now: number) =>
  JSON.stringify({ type: 'room-closed', roomId, data: { reason }, timestamp: now })

export interface AuthReplyFields {
  self: PeerRecord
  peers: PeerRecord[]
  connectionId: string
  tokenExpiresAt: number
  resumeToken: string | null
  reconnectGraceMs: number
  resumed: boolean
  iceServers: IceServer[]
  limits: { maxMessageBytes: number; messagesPerSecond: number; messageBurst: number; maxPeersPerRoom: number; heartbeatTimeoutMs: number }
}

export const authReplyFrame = (r: AuthReplyFields, now: number) =>
  JSON.stringify({
    type: 'auth',
    userId: r.self.userId,
    roomId: r.self.roomId,
    data: {
      status: 'authenticated',
      userName: r.self.userName,
      peers: r.peers.map(peerInfo),
      connectionId: r.connectionId,
      tokenExpiresAt: r.tokenExpiresAt,
      resumeToken: r.resumeToken,
      reconnectGraceMs: r.reconnectGraceMs,
      resumed: r.resumed,
      iceServers: r.iceServers,
      limits: r.limits,
    },
    timestamp: now,
  })
