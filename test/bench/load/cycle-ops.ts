/** @module Connection cycles: churn (connect, auth, join, one signal round trip, close), bare handshakes, HTTP token minting and health checks. */
import { randomBytes } from 'node:crypto'
import { nowUs } from './payloads.js'
import { closePeer, connectPeer, inPool, type Peer, type Target } from './peer.js'
import type { PeerSpec } from './protocols.js'

export interface CycleResult {
  done: number
  failed: number
  ms: number
  errors: string[]
}

export type Mint = ((userId: string, roomId: string) => Promise<string>) | null

/** Specs with tokens minted before any timing starts. */
export async function specs(t: Target, mint: Mint, count: number, idOf: (i: number) => string, roomOf: (i: number) => string): Promise<PeerSpec[]> {
  const out: PeerSpec[] = []
  for (let i = 0; i < count; i++) {
    const id = idOf(i)
    const room = roomOf(i)
    const token = (t.protocol === 'ours' || t.protocol === 'yjs') && mint ? await mint(id, room) : t.protocol === 'peerjs' ? randomBytes(6).toString('hex') : ''
    out.push({ id, room, token })
  }
  return out
}

async function cycles(list: PeerSpec[], concurrency: number, deadlineMs: number, one: (s: PeerSpec) => Promise<void>): Promise<CycleResult> {
  const errors: string[] = []
  let done = 0
  let failed = 0
  const t0 = performance.now()
  await inPool(list.length, concurrency, t0 + deadlineMs, async (i) => {
    try {
      await one(list[i]!)
      done++
    } catch (err) {
      failed++
      if (errors.length < 5) errors.push(String((err as Error).message))
    }
  })
  return { done, failed, ms: performance.now() - t0, errors }
}

/** Anchors answer every offer; each churner offers to its room's anchor, waits for the answer, closes. */
export function churn(t: Target, anchors: Peer[], list: PeerSpec[], concurrency: number, deadlineMs: number, timeoutMs: number) {
  const byRoom = new Map(anchors.map((a) => [a.spec.room, a]))
  for (const a of anchors) a.onSignal = (peer, r) => r.kind === 'offer' && peer.ws.send(t.adapter.signal('answer', peer.spec.id, r.from, nowUs(), 0))
  return cycles(list, concurrency, deadlineMs, async (spec) => {
    const anchor = byRoom.get(spec.room)
    if (!anchor) throw new Error(`no anchor for ${spec.room}`)
    const p = await connectPeer(t, spec, 1, timeoutMs)
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('answer timeout')), timeoutMs)
        p.onSignal = (_peer, r) => {
          if (r.kind !== 'answer') return
          clearTimeout(timer)
          resolve()
        }
        p.ws.send(t.adapter.signal('offer', spec.id, anchor.spec.id, nowUs(), 0))
      })
    } finally {
      await closePeer(p)
    }
  })
}

/** Connect, become ready (for ours: token verified, room joined), close. */
export function handshakes(t: Target, list: PeerSpec[], concurrency: number, deadlineMs: number, timeoutMs: number) {
  return cycles(list, concurrency, deadlineMs, async (spec) => closePeer(await connectPeer(t, spec, 0, timeoutMs)))
}

/** POST /api/auth/token with the issuer key, `count` times with `concurrency` requests in flight (keep-alive). */
export async function mintOverHttp(port: number, issuerKey: string, prefix: string, count: number, concurrency: number, deadlineMs: number): Promise<CycleResult> {
  const list = Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, room: 'mint-room', token: '' }))
  return cycles(list, concurrency, deadlineMs, async (spec) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuerKey}` },
      body: JSON.stringify({ userId: spec.id, roomId: spec.room }),
    })
    const body = await res.text()
    if (res.status !== 200) throw new Error(`mint ${res.status}: ${body.slice(0, 120)}`)
  })
}

/** GET /api/health without credentials (what a load balancer or uptime monitor sends), `count` times (keep-alive). */
export async function healthOverHttp(port: number, count: number, concurrency: number, deadlineMs: number): Promise<CycleResult> {
  const list = Array.from({ length: count }, () => ({ id: '', room: '', token: '' }))
  return cycles(list, concurrency, deadlineMs, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`)
    const body = await res.text()
    if (res.status !== 200) throw new Error(`health ${res.status}: ${body.slice(0, 120)}`)
  })
}
