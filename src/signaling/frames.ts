/** @module Builders for server frames (see protocol/server-messages.ts for the schemas). */
import { ERRORS, type ErrorCode } from '../errors.js'
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
