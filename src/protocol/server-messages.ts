/**
 * @module Server -> client WebSocket frames. The server builds these with the functions below; the
 * schemas are the contract a client library validates against.
 */
import * as z from 'zod'

const PeerInfo = z.object({ userId: z.string(), userName: z.string(), joinedAt: z.number() })
export type PeerInfo = z.infer<typeof PeerInfo>

/** One RTCIceServer: STUN URLs, or TURN URLs with short-lived REST credentials (docs/protocol.md section 2). */
const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
})
export type IceServer = z.infer<typeof IceServer>

const base = { roomId: z.string().optional(), userId: z.string().optional(), timestamp: z.number() }

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('auth'),
    ...base,
    data: z.object({
      status: z.literal('authenticated'),
      userName: z.string(),
      peers: z.array(PeerInfo),
      connectionId: z.string(),
      tokenExpiresAt: z.number(),
      /** Sent by servers with resumable sessions (null when RECONNECT_GRACE=0): send it back in `auth` to resume. */
      resumeToken: z.string().nullable().optional(),
      reconnectGraceMs: z.number().optional(),
      /** True when this socket took over an earlier socket's session: the room was told nothing. */
      resumed: z.boolean().optional(),
      /** STUN and TURN servers for RTCPeerConnection (empty when none are configured). */
      iceServers: z.array(IceServer).optional(),
      limits: z.object({
        maxMessageBytes: z.number(),
        messagesPerSecond: z.number(),
        messageBurst: z.number(),
        maxPeersPerRoom: z.number(),
        heartbeatTimeoutMs: z.number(),
      }),
    }),
  }),
  z.object({ type: z.literal('peer-joined'), ...base, data: PeerInfo.extend({ replaced: z.boolean() }) }),
  z.object({ type: z.literal('peer-left'), ...base, data: z.object({ userId: z.string(), reason: z.string() }) }),
  z.object({
    type: z.enum(['sdp-offer', 'offer', 'sdp-answer', 'answer', 'ice-candidate', 'ice']),
    ...base,
    from: z.string(),
    targetUserId: z.string().optional(),
    data: z.unknown(),
  }),
  z.object({ type: z.literal('heartbeat'), ...base, data: z.object({ status: z.literal('ok') }) }),
  z.object({ type: z.literal('pong'), timestamp: z.number() }),
  z.object({ type: z.literal('leave-room'), ...base, data: z.object({ status: z.literal('left') }) }),
  z.object({ type: z.literal('room-closed'), ...base, data: z.object({ reason: z.string() }) }),
  z.object({ type: z.literal('error'), timestamp: z.number(), data: z.object({ code: z.string(), error: z.string() }) }),
])
export type ServerMessage = z.infer<typeof ServerMessageSchema>
