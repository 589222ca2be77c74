/** @module The records the stores keep, as zod schemas (storage reads are validated with them). */
import * as z from 'zod'

export const PeerRecordSchema = z.object({
  roomId: z.string(),
  userId: z.string(),
  userName: z.string(),
  /** Unique per socket; a late close of a replaced socket MUST NOT remove its successor. */
  connectionId: z.string(),
  /** The instance that holds the socket. */
  instanceId: z.string(),
  joinedAt: z.number(),
  /** True when userName came from the token (or is the userId); false when the client chose it in its auth frame. */
  nameVerified: z.boolean().optional(),
  /** The peer is treated as gone once this passes (its instance crashed or stopped renewing). */
  leaseUntil: z.number(),
})
export type PeerRecord = z.infer<typeof PeerRecordSchema>

export const RoomRecordSchema = z.object({
  roomId: z.string(),
  createdAt: z.number(),
  lastActivity: z.number(),
  peerCount: z.number().int(),
  /** When the last peer left; the room is deleted once the empty grace has passed. */
  emptySince: z.number().nullable(),
})
export type RoomRecord = z.infer<typeof RoomRecordSchema>

export const AuditEventSchema = z.object({
  time: z.number(),
  event: z.enum(['auth_success', 'auth_failure', 'auth_blocked', 'join', 'leave', 'replace', 'resume', 'resume_expired', 'kick', 'room_created', 'room_deleted']),
  userId: z.string().nullable(),
  roomId: z.string().nullable(),
  reason: z.string().nullable(),
  remoteAddress: z.string().nullable(),
  instanceId: z.string(),
  /** Events this entry stands for when repeats were aggregated (absent: one). */
  count: z.number().int().positive().optional(),
})
export type AuditEvent = z.infer<typeof AuditEventSchema>
