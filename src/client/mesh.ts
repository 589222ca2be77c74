/**
 * @module A full WebRTC mesh over a SignalingClient: one RTCPeerConnection and one ordered data channel per remote
 * peer. Peers already in the room offer to a newcomer when they see `peer-joined`; the newcomer only answers.
 */
import type { Signal } from './frames.js'
import type { SignalingClient } from './signaling-client.js'

export interface MeshOptions {
  /** Passed to every RTCPeerConnection (ICE servers and so on). */
  rtcConfig?: RTCConfiguration
  /** Called once per peer connection with its data channel, before it opens. */
  onChannel: (channel: RTCDataChannel, peerId: string) => void
  /** Which local candidates to send; default all. */
  candidateFilter?: (candidate: RTCIceCandidate) => boolean
  /** Failures of the current connection to a peer (stale connections fail silently). */
  onError?: (error: unknown, peerId: string) => void
  /** Label of the data channel; both sides must agree. Default `collaboration`. */
  channelLabel?: string
}

export interface Mesh {
  /** The live connection to each remote peer, by userId. */
  readonly connections: ReadonlyMap<string, RTCPeerConnection>
  /** Closes every connection and stops listening to the client. */
  close(): void
}

interface Link {
  pc: RTCPeerConnection
  /** Remote candidates that arrived before the remote description. */
  pending: RTCIceCandidateInit[]
}

/**
 * Connects to every peer that joins after us and answers every peer that offers to us. The data channel is
 * pre-negotiated (id 0) so both sides get it at once; a new offer from a peer replaces the old connection.
 */
export function createMesh(client: SignalingClient, opts: MeshOptions): Mesh {
  const links = new Map<string, Link>()
  const connections = new Map<string, RTCPeerConnection>()
  const label = opts.channelLabel ?? 'collaboration'

  function drop(peerId: string): void {
    links.get(peerId)?.pc.close()
    links.delete(peerId)
    connections.delete(peerId)
  }

  function open(peerId: string): Link {
    drop(peerId)
    const pc = new RTCPeerConnection(opts.rtcConfig)
    const link: Link = { pc, pending: [] }
    links.set(peerId, link)
    connections.set(peerId, pc)
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate?.candidate || (opts.candidateFilter && !opts.candidateFilter(candidate))) return
      client.sendCandidate(peerId, candidate.toJSON())
    }
    opts.onChannel(pc.createDataChannel(label, { negotiated: true, id: 0, ordered: true }), peerId)
    return link
  }

  /** Runs one negotiation step; errors are reported only if `link` is still the peer's current connection. */
  function run(peerId: string, link: Link | undefined, step: (link: Link) => Promise<void>): void {
    if (!link) return
    step(link).catch((err: unknown) => {
      if (links.get(peerId) === link) opts.onError?.(err, peerId)
    })
  }

  async function remote(link: Link, description: RTCSessionDescriptionInit): Promise<void> {
    await link.pc.setRemoteDescription(description)
    for (const c of link.pending.splice(0)) await link.pc.addIceCandidate(c)
  }

  async function offer(peerId: string, { pc }: Link): Promise<void> {
    await pc.setLocalDescription()
    if (pc.localDescription) client.sendOffer(peerId, pc.localDescription.sdp)
  }

  async function answer(peerId: string, link: Link, description: RTCSessionDescriptionInit): Promise<void> {
    await remote(link, description)
    await link.pc.setLocalDescription()
    if (link.pc.localDescription) client.sendAnswer(peerId, link.pc.localDescription.sdp)
  }

  function onSignal(s: Signal): void {
    const current = links.get(s.from)
    switch (s.type) {
      case 'sdp-offer':
        return run(s.from, open(s.from), (link) => answer(s.from, link, s.data))
      case 'sdp-answer':
        if (current?.pc.signalingState !== 'have-local-offer') return
        return run(s.from, current, (link) => remote(link, s.data))
      case 'ice-candidate': {
        const candidate = s.data
        if (candidate === null) return
        if (current && !current.pc.remoteDescription) return void current.pending.push(candidate)
        return run(s.from, current, (link) => link.pc.addIceCandidate(candidate))
      }
      default: {
        const never: never = s
        return never
      }
    }
  }

  function close(): void {
    for (const off of unsubscribe) off()
    for (const peerId of [...links.keys()]) drop(peerId)
  }

  const unsubscribe = [
    client.on('peer-joined', (p) => run(p.userId, open(p.userId), (link) => offer(p.userId, link))),
    client.on('peer-left', (p) => drop(p.userId)),
    client.on('signal', onSignal),
    client.on('close', close),
  ]
  return { connections, close }
}
