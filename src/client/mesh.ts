/**
 * @module A full WebRTC mesh over a Session: one RTCPeerConnection and one ordered data channel per remote peer.
 *
 * - Who offers: peers already in the room offer to a newcomer when they see `peer-joined` (docs/protocol.md); any
 *   later negotiation (ICE restart, a channel or track the app adds) comes from `negotiationneeded` on either side.
 * - Crossing offers converge by the perfect-negotiation pattern: the peer with the smaller userId is impolite
 *   (ignores an offer that crosses its own), the other is polite (rolls its own back).
 * - A remote RTCPeerConnection is known by the session id of its SDP `o=` line: an offer from a new one (the other
 *   page reloaded, or started over) replaces ours instead of being forced onto an old transport.
 * - Connections outlive the signaling socket: nothing is touched while the session reconnects; after a resume
 *   nothing is renegotiated; after a plain rejoin, peers that are gone are dropped and the rest kept.
 */
import type { Signal } from './checks.js'
import { Emitter } from './emitter.js'
import type { Link, MeshEvents, MeshOptions, Route } from './mesh-types.js'
import type { Session, StateChange } from './session.js'

export type { MeshEvents, MeshOptions, Route }

/** How long a connected peer missing from a rejoin's peer list is kept (after a server restart it rejoins too). */
const ORPHAN_MS = 30_000

const sessionId = (sdp = '') => /^o=\S+ (\S+)/m.exec(sdp)?.[1]

export class Mesh extends Emitter<MeshEvents> {
  /** The live connection to each remote peer, by userId. */
  readonly connections = new Map<string, RTCPeerConnection>()
  #links = new Map<string, Link>()
  #session: Session
  #opts: MeshOptions
  #off: (() => void)[]

  constructor(session: Session, opts: MeshOptions = {}) {
    super()
    this.#session = session
    this.#opts = opts
    this.#off = [
      session.on('peer-joined', (p) => this.#joined(p.userId, p.replaced)),
      session.on('peer-left', (p) => this.#drop(p.userId)),
      session.on('signal', (s) => void this.#signal(s)),
      session.on('state', (s) => this.#state(s)),
    ]
  }

  /** Sends on one peer's data channel; false when it is not open. */
  send(peerId: string, data: string | ArrayBuffer | ArrayBufferView | Blob): boolean {
    const channel = this.#links.get(peerId)?.channel
    if (channel?.readyState !== 'open') return false
    channel.send(data as string)
    return true
  }

  /** Sends to every peer whose channel is open; returns how many. */
  broadcast(data: string | ArrayBuffer | ArrayBufferView | Blob): number {
    let sent = 0
    for (const peerId of this.#links.keys()) if (this.send(peerId, data)) sent++
    return sent
  }

  /** Whether the selected candidate pair to a peer goes through a TURN relay; null before one is selected. */
  async route(peerId: string): Promise<Route | null> {
    const pc = this.connections.get(peerId)
    if (!pc) return null
    const stats = new Map<string, Record<string, unknown>>()
    ;(await pc.getStats()).forEach((s: Record<string, unknown> & { id: string }) => stats.set(s.id, s))
    let pair: Record<string, unknown> | undefined
    for (const s of stats.values()) if (s.type === 'transport') pair = stats.get(String(s.selectedCandidatePairId))
    if (!pair) return null
    const ends = [pair.localCandidateId, pair.remoteCandidateId].map((id) => stats.get(String(id))?.candidateType)
    return ends.includes('relay') ? 'relay' : 'direct'
  }

  /** Closes every connection and stops following the session. */
  close(): void {
    for (const off of this.#off.splice(0)) off()
    for (const peerId of [...this.#links.keys()]) this.#drop(peerId)
  }

  #joined(peerId: string, replaced: boolean) {
    const link = this.#links.get(peerId)
    // The same page came back without its session (the server restarted): the connection never broke.
    if (link && !replaced && link.pc.connectionState === 'connected') return clearTimeout(link.orphan)
    this.#open(peerId)
  }

  /** The session is open again: reconcile with its peer list. */
  #state({ state, resumed }: StateChange) {
    if (state === 'closed') return this.close()
    if (state !== 'open') return
    const peers = this.#session.peers
    for (const [peerId, link] of this.#links) {
      if (peers.has(peerId)) continue
      if (resumed || link.pc.connectionState !== 'connected') this.#drop(peerId)
      else link.orphan ??= setTimeout(() => peers.has(peerId) || this.#drop(peerId), ORPHAN_MS)
    }
    // Peers that joined while we were away listed us as present and wait for our offer.
    if (resumed) for (const peerId of peers.keys()) if (!this.#links.has(peerId)) this.#open(peerId)
  }

  /** A new connection to `peerId` (replacing any old one); it offers by itself through `negotiationneeded`. */
  #open(peerId: string): Link {
    this.#drop(peerId)
    const { rtcConfig, candidateFilter, onChannel } = this.#opts
    const Pc = this.#opts.RTCPeerConnection ?? RTCPeerConnection
    const pc = new Pc({ iceServers: this.#session.iceServers, ...rtcConfig })
    const channel = pc.createDataChannel(this.#opts.channelLabel ?? 'collaboration', { negotiated: true, id: 0, ordered: true })
    channel.binaryType = 'arraybuffer'
    const link: Link = { peerId, pc, channel, polite: this.#session.self.userId > peerId, makingOffer: false }
    this.#links.set(peerId, link)
    this.connections.set(peerId, pc)
    const live = () => this.#links.get(peerId) === link
    pc.onnegotiationneeded = () => void this.#offer(link)
    pc.onicecandidate = ({ candidate }) => {
      if (candidate?.candidate && live() && (!candidateFilter || candidateFilter(candidate))) this.#session.sendCandidate(peerId, candidate.toJSON())
    }
    pc.onsignalingstatechange = () => live() && this.#watch(link)
    pc.onconnectionstatechange = () => {
      if (!live()) return
      this.emit('peer', { peerId, state: pc.connectionState })
      if (pc.connectionState === 'failed') pc.restartIce()
      this.#watch(link)
    }
    channel.addEventListener('open', () => live() && this.emit('open', { peerId }))
    channel.addEventListener('message', (ev: MessageEvent<unknown>) => this.emit('data', { peerId, data: ev.data }))
    channel.addEventListener('close', () => live() && this.#broken(link))
    onChannel?.(channel, peerId)
    this.#watch(link)
    return link
  }

  #drop(peerId: string) {
    const link = this.#links.get(peerId)
    if (!link) return
    this.#links.delete(peerId)
    this.connections.delete(peerId)
    clearTimeout(link.timer)
    clearTimeout(link.orphan)
    link.pc.close()
    this.emit('peer', { peerId, state: 'closed' })
  }

  /** The channel closed under us (the other side closed its connection): start over if the peer is still here. */
  #broken(link: Link) {
    this.#drop(link.peerId)
    if (this.#session.peers.has(link.peerId) && this.#session.state !== 'closed') this.#open(link.peerId)
  }

  /** Arms the negotiation deadline until the connection is connected and stable. */
  #watch(link: Link) {
    const { pc } = link
    if (pc.connectionState === 'connected' && pc.signalingState === 'stable') {
      clearTimeout(link.timer)
      link.timer = undefined
    } else link.timer ??= setTimeout(() => this.#stuck(link), this.#opts.negotiationTimeoutMs ?? 15_000)
  }

  /** A negotiation did not finish (a signal lost with a dead socket, a peer that never answered). */
  #stuck(link: Link) {
    link.timer = undefined
    const { pc, peerId } = link
    if (this.#links.get(peerId) !== link) return
    if (!this.#session.peers.has(peerId)) return this.#drop(peerId)
    if (pc.connectionState !== 'connected') return void this.#open(peerId)
    // Connected but a renegotiation hangs: take our offer back and restart ICE, which negotiates anew.
    const rollback = pc.signalingState === 'have-local-offer' ? pc.setLocalDescription({ type: 'rollback' }) : Promise.resolve()
    rollback.then(() => pc.restartIce(), (error: unknown) => this.emit('error', { peerId, error }))
    this.#watch(link)
  }

  async #offer(link: Link) {
    const { pc, peerId } = link
    try {
      link.makingOffer = true
      await pc.setLocalDescription()
      const d = pc.localDescription
      if (d?.type === 'offer' && this.#links.get(peerId) === link) this.#session.sendOffer(peerId, d.sdp)
    } catch (error) {
      if (this.#links.get(peerId) === link) this.emit('error', { peerId, error })
    } finally {
      link.makingOffer = false
    }
  }

  async #signal(s: Signal) {
    const { from } = s
    let link = this.#links.get(from)
    try {
      if (s.type === 'ice-candidate') {
        // A candidate for an offer we ignored, or for a connection since replaced, fails harmlessly.
        if (link && s.data) await link.pc.addIceCandidate(s.data).catch(() => undefined)
        return
      }
      const sid = sessionId(s.data.sdp)
      const foreign = link?.remoteSid !== undefined && link.remoteSid !== sid
      if (s.type === 'sdp-offer' && (!link || foreign)) link = this.#open(from)
      else if (!link) return
      else if (foreign) return void this.#open(from)
      await this.#describe(link, s.data, sid)
    } catch (error) {
      if (link && this.#links.get(from) === link) this.emit('error', { peerId: from, error })
    }
  }

  /** Perfect negotiation: apply a remote description unless it is an offer the impolite side ignores. */
  async #describe(link: Link, desc: RTCSessionDescriptionInit, sid: string | undefined) {
    const { pc } = link
    const offer = desc.type === 'offer'
    // An answer to an offer that was rolled back or replaced has nothing to apply to.
    if (!offer && pc.signalingState !== 'have-local-offer') return
    const collision = offer && (link.makingOffer || pc.signalingState !== 'stable')
    if (collision && !link.polite) return
    await pc.setRemoteDescription(desc)
    link.remoteSid = sid
    if (!offer) return
    await pc.setLocalDescription()
    if (pc.localDescription) this.#session.sendAnswer(link.peerId, pc.localDescription.sdp)
  }
}

/** Builds a mesh over an open (or opening) session. */
export const createMesh = (session: Session, opts?: MeshOptions) => new Mesh(session, opts)
