/**
 * @module Client side of each server's wire protocol, reduced to what the scenarios need: the URL,
 * the frames that make a peer ready, a targeted signal, a heartbeat, and decoding a received signal.
 */
import type { Protocol } from '../lib/servers.js'
import { candidate, sdp, stampOf, type SignalKind } from './payloads.js'

export interface PeerSpec {
  id: string
  room: string
  /** Our server: a room token; PeerJS: the client-chosen reclaim token. */
  token: string
}

export interface Received {
  kind: SignalKind
  from: string
  /** Embedded send time, µs. */
  stamp: number
}

/** A parsed frame; fields are read with `at` since every server shapes them differently. */
export type Frame = { readonly [key: string]: unknown }

/** The value at a path of object keys, or undefined. */
export function at(v: unknown, ...path: string[]): unknown {
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Frame)[k]
  }
  return v
}
const str = (v: unknown) => (typeof v === 'string' ? v : '')

export interface Adapter {
  url(port: number, p: PeerSpec): string
  /** Frames sent once the socket is open. */
  hello(p: PeerSpec): string[]
  /** True when the peer can signal: on open, or on this frame. */
  isReady(m: Frame | null): boolean
  signal(kind: SignalKind, from: string, to: string, stamp: number, n: number): string
  heartbeat: string
  decode(m: Frame): Received | null
}

const ice = (stamp: number, n: number) => ({ candidate: candidate(stamp, n), sdpMid: '0', sdpMLineIndex: 0 })
const desc = (kind: 'offer' | 'answer', stamp: number) => ({ type: kind, sdp: sdp(stamp) })

const ours: Adapter = {
  // The room on the URL: every runtime takes it, and on workerd it chooses the room's Durable Object.
  url: (port, p) => `ws://127.0.0.1:${port}/ws?room=${encodeURIComponent(p.room)}`,
  hello: (p) => [JSON.stringify({ type: 'auth', data: { token: p.token } })],
  isReady: (m) => m?.type === 'auth' && at(m, 'data', 'status') === 'authenticated',
  signal(kind, _from, to, stamp, n) {
    if (kind === 'ice') return JSON.stringify({ type: 'ice-candidate', targetUserId: to, data: { candidate: ice(stamp, n) } })
    return JSON.stringify({ type: kind === 'offer' ? 'sdp-offer' : 'sdp-answer', targetUserId: to, data: desc(kind, stamp) })
  },
  heartbeat: JSON.stringify({ type: 'heartbeat' }),
  decode(m) {
    const kind = m.type === 'sdp-offer' ? 'offer' : m.type === 'sdp-answer' ? 'answer' : m.type === 'ice-candidate' ? 'ice' : null
    if (!kind) return null
    return { kind, from: str(m.from), stamp: stampOf(kind === 'ice' ? at(m, 'data', 'candidate', 'candidate') : at(m, 'data', 'sdp')) }
  },
}

/** PeerJS wire format as its client sends it (payload fields of a DataConnection). */
const PEERJS_TYPES: Record<SignalKind, string> = { offer: 'OFFER', answer: 'ANSWER', ice: 'CANDIDATE' }
const peerjs: Adapter = {
  url: (port, p) => `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${encodeURIComponent(p.id)}&token=${p.token}`,
  hello: () => [],
  isReady: (m) => m?.type === 'OPEN',
  signal(kind, _from, to, stamp, n) {
    const base = { type: 'data', connectionId: 'dc_bench0001' }
    const payload = kind === 'ice' ? { ...base, candidate: ice(stamp, n) } : { ...base, sdp: desc(kind, stamp), label: 'dc_bench0001', reliable: true, serialization: 'binary' }
    return JSON.stringify({ type: PEERJS_TYPES[kind], dst: to, payload })
  },
  heartbeat: JSON.stringify({ type: 'HEARTBEAT' }),
  decode(m) {
    const kind = m.type === 'OFFER' ? 'offer' : m.type === 'ANSWER' ? 'answer' : m.type === 'CANDIDATE' ? 'ice' : null
    if (!kind) return null
    return { kind, from: str(m.src), stamp: stampOf(kind === 'ice' ? at(m, 'payload', 'candidate', 'candidate') : at(m, 'payload', 'sdp', 'sdp')) }
  },
}

/**
 * y-webrtc broadcasts a publish to every subscriber of a topic. Each peer subscribes to its room and
 * to a topic of its own, and signals are published to the target's topic: targeted relay, the
 * cheapest way to use this server (its own client publishes signals to the whole room).
 */
const ywebrtc: Adapter = {
  url: (port) => `ws://127.0.0.1:${port}/`,
  hello: (p) => [JSON.stringify({ type: 'subscribe', topics: [p.room, `p:${p.id}`] }), JSON.stringify({ type: 'ping' })],
  isReady: (m) => m?.type === 'pong',
  signal(kind, from, to, stamp, n) {
    const signal = kind === 'ice' ? { type: 'candidate', candidate: ice(stamp, n) } : desc(kind, stamp)
    return JSON.stringify({ type: 'publish', topic: `p:${to}`, data: { type: 'signal', from, to, token: 'bench', signal } })
  },
  heartbeat: JSON.stringify({ type: 'ping' }),
  decode(m) {
    if (m.type !== 'publish' || at(m, 'data', 'type') !== 'signal') return null
    const s = at(m, 'data', 'signal')
    const t = at(s, 'type')
    const kind = t === 'offer' ? 'offer' : t === 'answer' ? 'answer' : t === 'candidate' ? 'ice' : null
    if (!kind) return null
    return { kind, from: str(at(m, 'data', 'from')), stamp: stampOf(kind === 'ice' ? at(s, 'candidate', 'candidate') : at(s, 'sdp')) }
  },
}

const bare: Adapter = {
  url: (port, p) => `ws://127.0.0.1:${port}/?id=${encodeURIComponent(p.id)}`,
  hello: () => [],
  isReady: (m) => m === null,
  signal(kind, _from, to, stamp, n) {
    return JSON.stringify({ type: kind, to, data: kind === 'ice' ? { candidate: ice(stamp, n) } : desc(kind, stamp) })
  },
  heartbeat: JSON.stringify({ type: 'heartbeat' }),
  decode(m) {
    const kind = m.type === 'offer' || m.type === 'answer' || m.type === 'ice' ? (m.type as SignalKind) : null
    if (!kind) return null
    return { kind, from: str(m.from), stamp: stampOf(kind === 'ice' ? at(m, 'data', 'candidate', 'candidate') : at(m, 'data', 'sdp')) }
  },
}

/**
 * y-webrtc as its own client uses it: subscribe to the room, publish every signal to the room (each subscriber,
 * the sender included, gets it and keeps those addressed to it). The same frames on y-webrtc's server and on our
 * /yjs, which takes the room token on the URL. `signal` is unused here (it has no room): load/yjs-ops.ts builds
 * the publishes.
 */
function yjsRoom(url: Adapter['url']): Adapter {
  return {
    url,
    hello: (p) => [JSON.stringify({ type: 'subscribe', topics: [p.room] }), JSON.stringify({ type: 'ping' })],
    isReady: (m) => m?.type === 'pong',
    signal: () => {
      throw new Error('yjs protocols publish to the room: use load/yjs-ops.ts')
    },
    heartbeat: JSON.stringify({ type: 'ping' }),
    decode: ywebrtc.decode,
  }
}

export const ADAPTERS: Record<Protocol, Adapter> = {
  ours,
  peerjs,
  ywebrtc,
  bare,
  yjs: yjsRoom((port, p) => `ws://127.0.0.1:${port}/yjs?token=${p.token}`),
  'ywebrtc-room': yjsRoom((port) => `ws://127.0.0.1:${port}/`),
}
