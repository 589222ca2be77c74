/** @module The mesh's public types (events, options, routes) and its per-peer record, apart from its logic (mesh.ts). */

export type Route = 'direct' | 'relay'

export interface MeshEvents {
  /** A message on a peer's data channel (string, or ArrayBuffer for binary). */
  data: { peerId: string; data: unknown }
  /** A peer's data channel opened: it can be sent to from now on. */
  open: { peerId: string }
  /** A peer's RTCPeerConnection changed `connectionState` (`closed` also when the mesh dropped it). */
  peer: { peerId: string; state: RTCPeerConnectionState }
  /** A negotiation step failed for the current connection to a peer. */
  error: { peerId: string; error: unknown }
}

export interface MeshOptions {
  /** Merged into every RTCPeerConnection's configuration; `iceServers` defaults to the server's (STUN, TURN). */
  rtcConfig?: RTCConfiguration
  /** RTCPeerConnection implementation; defaults to the browser's. Node passes a WebRTC package's. */
  RTCPeerConnection?: typeof RTCPeerConnection
  /** Which local candidates to send; default all. */
  candidateFilter?: (candidate: RTCIceCandidate) => boolean
  /** Label of the data channel; both sides must agree. Default `collaboration`. */
  channelLabel?: string
  /** A connection not connected and stable this long after a negotiation began is restarted. Default 15 s. */
  negotiationTimeoutMs?: number
  /** Called with each new data channel (before it opens), for apps that want the channel itself. */
  onChannel?: (channel: RTCDataChannel, peerId: string) => void
}

export interface Link {
  peerId: string
  pc: RTCPeerConnection
  channel: RTCDataChannel
  polite: boolean
  makingOffer: boolean
  /** Session id (SDP `o=` line) of the remote RTCPeerConnection, once its description is applied. */
  remoteSid?: string
  /** Negotiation deadline. */
  timer?: ReturnType<typeof setTimeout>
  /** After a rejoin that did not list this peer: when to give up on it coming back. */
  orphan?: ReturnType<typeof setTimeout>
}
