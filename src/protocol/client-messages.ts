/**
 * @module Client -> server WebSocket frames. Unknown top-level keys (including client-supplied sender
 * fields such as `from` on signals) are stripped: identity comes from the token.
 */
import * as z from 'zod'
import { IdSchema, UserNameSchema } from './ids.js'
import { ANSWER_TYPES, ICE_TYPES, MAX_CANDIDATE_LENGTH, MAX_SDP_LENGTH, MAX_TOKEN_LENGTH, OFFER_TYPES } from './rules.js'

export { ANSWER_TYPES, ICE_TYPES, MAX_CANDIDATE_LENGTH, MAX_SDP_LENGTH, MAX_TOKEN_LENGTH, OFFER_TYPES }

const AuthFrame = z.object({
  type: z.literal('auth'),
  userId: IdSchema.optional(),
  roomId: IdSchema.optional(),
  /** Lean-dialect alias of userId. */
  from: IdSchema.optional(),
  data: z.object({
    token: z.string().min(1).max(MAX_TOKEN_LENGTH),
    userName: UserNameSchema.optional(),
    name: UserNameSchema.optional(),
    /** Some clients put their ids inside data. */
    userId: IdSchema.optional(),
    roomId: IdSchema.optional(),
    /**
     * The last auth reply's `resumeToken`, to resume that session. Anything unusable (wrong type, too long) counts as
     * absent: a resume that cannot happen is a normal join, never an error.
     */
    resumeToken: z.string().max(MAX_TOKEN_LENGTH).optional().catch(undefined),
  }),
})

const SdpData = z.object({
  type: z.enum(['offer', 'answer', 'pranswer', 'rollback']).optional(),
  sdp: z.string().max(MAX_SDP_LENGTH),
})

const CandidateInit = z.object({
  candidate: z.string().max(MAX_CANDIDATE_LENGTH),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
})

/** Accepts `{candidate: RTCIceCandidateInit}` and the flat `{candidate: string, sdpMid, sdpMLineIndex}`; null ends gathering. */
const IceData = CandidateInit.extend({
  candidate: z.union([z.string().max(MAX_CANDIDATE_LENGTH), CandidateInit, z.null()]),
})

const target = { targetUserId: IdSchema.optional(), to: IdSchema.optional() }

const OfferFrame = z.object({ type: z.enum(OFFER_TYPES), ...target, data: SdpData })
const AnswerFrame = z.object({ type: z.enum(ANSWER_TYPES), ...target, data: SdpData })
const IceFrame = z.object({ type: z.enum(ICE_TYPES), ...target, data: IceData })
const HeartbeatFrame = z.object({ type: z.literal('heartbeat') })
const PingFrame = z.object({ type: z.literal('ping') })
const LeaveFrame = z.object({ type: z.literal('leave-room') })

export const ClientMessageSchema = z.discriminatedUnion('type', [
  AuthFrame,
  OfferFrame,
  AnswerFrame,
  IceFrame,
  HeartbeatFrame,
  PingFrame,
  LeaveFrame,
])

export type ClientMessage = z.infer<typeof ClientMessageSchema>
export type AuthMessage = z.infer<typeof AuthFrame>
export type SignalMessage = z.infer<typeof OfferFrame> | z.infer<typeof AnswerFrame> | z.infer<typeof IceFrame>
export type SignalType = SignalMessage['type']

export const CLIENT_TYPES: ReadonlySet<string> = new Set([
  'auth',
  ...OFFER_TYPES,
  ...ANSWER_TYPES,
  ...ICE_TYPES,
  'heartbeat',
  'ping',
  'leave-room',
])
