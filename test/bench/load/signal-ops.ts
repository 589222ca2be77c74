/** @module Signaling load on connected rooms: the storm (offer -> answer -> candidates per pair) and a fixed-rate stream. */
import { newHist, record, type Hist } from '../lib/hist.js'
import { nowUs, type SignalKind } from './payloads.js'
import type { Peer, Target } from './peer.js'

export interface SignalResult {
  sent: number
  received: number
  /** Signals whose embedded time could not be read (should be 0). */
  unstamped: number
  ms: number
  hist: Hist
  rounds?: number
}

function counter(hist: Hist) {
  const c = { received: 0, unstamped: 0 }
  const onReceive = (stamp: number) => {
    c.received++
    if (Number.isFinite(stamp)) record(hist, nowUs() - stamp)
    else c.unstamped++
  }
  return { c, onReceive }
}

/**
 * Slot pairs (i < j) of a room that signal in a storm. `crossOnly` keeps the pairs whose slots differ in
 * parity: with even slots on one instance and odd on another (xrelay), each of those signals crosses the bus.
 */
export function stormPairs(roomSize: number, crossOnly: boolean): [number, number][] {
  const pairs: [number, number][] = []
  for (let i = 0; i < roomSize; i++) for (let j = i + 1; j < roomSize; j++) if (!crossOnly || (i + j) % 2 === 1) pairs.push([i, j])
  return pairs
}

/**
 * Every pair of `stormPairs` in every room: i offers, j answers and sends `ice` candidates, i sends `ice`
 * candidates back. A room starts its next round when all of this round's signals arrived.
 */
export function storm(t: Target, rooms: Peer[][], rounds: number, ice: number, deadlineMs: number, crossOnly = false): Promise<SignalResult> {
  const hist = newHist()
  const { c, onReceive } = counter(hist)
  let sent = 0
  const send = (p: Peer, kind: SignalKind, to: string, n = 0) => {
    p.ws.send(t.adapter.signal(kind, p.spec.id, to, nowUs(), n))
    sent++
  }
  const burst = (p: Peer, to: string) => {
    for (let n = 0; n < ice; n++) send(p, 'ice', to, n)
  }
  const t0 = performance.now()
  const deadline = t0 + deadlineMs
  return new Promise((resolve) => {
    let active = 0
    let doneRounds = 0
    const finish = () => {
      clearTimeout(timer)
      for (const room of rooms) for (const p of room) p.onSignal = null
      resolve({ sent, received: c.received, unstamped: c.unstamped, ms: performance.now() - t0, hist, rounds: doneRounds })
    }
    const timer = setTimeout(finish, deadlineMs)
    for (const room of rooms) {
      const pairs = stormPairs(room.length, crossOnly)
      const perRound = pairs.length * (2 + 2 * ice)
      let got = 0
      let round = 0
      const start = () => {
        round++
        for (const [i, j] of pairs) send(room[i]!, 'offer', room[j]!.spec.id)
      }
      for (const p of room) {
        p.onSignal = (peer, r) => {
          onReceive(r.stamp)
          if (r.kind === 'offer') {
            send(peer, 'answer', r.from)
            burst(peer, r.from)
          } else if (r.kind === 'answer') burst(peer, r.from)
          if (++got < perRound * round) return
          doneRounds++
          if (round < rounds && performance.now() < deadline) return start()
          if (--active === 0) finish()
        }
      }
      active++
      start()
    }
    if (active === 0) finish()
  })
}

/**
 * Sends `rate` signals per second for `durationMs` (mix of 1 offer, 1 answer, 16 candidates), each to a room
 * mate; with `crossOnly`, only to mates at an odd slot distance (on the other instance in xrelay).
 */
export function steady(t: Target, rooms: Peer[][], rate: number, durationMs: number, crossOnly = false): Promise<SignalResult> {
  const hist = newHist()
  const { c, onReceive } = counter(hist)
  const peers = rooms.flat()
  const size = rooms[0]?.length ?? 0
  const offsets = Array.from({ length: Math.max(0, size - 1) }, (_, i) => i + 1).filter((d) => !crossOnly || d % 2 === 1)
  for (const p of peers) p.onSignal = (_peer, r) => onReceive(r.stamp)
  let sent = 0
  const t0 = performance.now()
  return new Promise((resolve) => {
    const finish = () => {
      for (const p of peers) p.onSignal = null
      resolve({ sent, received: c.received, unstamped: c.unstamped, ms: durationMs, hist })
    }
    const drain = (until: number) => {
      if (c.received >= sent || performance.now() > until) return finish()
      setTimeout(() => drain(until), 5)
    }
    const tick = () => {
      const elapsed = performance.now() - t0
      if (elapsed >= durationMs || offsets.length === 0) return drain(performance.now() + 2000)
      const due = Math.min(Math.floor((elapsed * rate) / 1000), Math.ceil((durationMs * rate) / 1000))
      while (sent < due) {
        const p = peers[sent % peers.length]!
        const room = rooms[Math.floor((sent % peers.length) / size)]!
        const to = room[(p.slot + offsets[Math.floor(sent / peers.length) % offsets.length]!) % room.length]!
        const k = sent % 18
        p.ws.send(t.adapter.signal(k === 0 ? 'offer' : k === 1 ? 'answer' : 'ice', p.spec.id, to.spec.id, nowUs(), k))
        sent++
      }
      setTimeout(tick, 1)
    }
    tick()
  })
}
