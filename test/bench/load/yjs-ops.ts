/**
 * @module Load for the yjs scenario: every peer of every room publishes signals to its room, as y-webrtc's provider
 * does (the server sends each publish to every subscriber, the sender included). Counts every publish received.
 */
import { candidate, nowUs } from './payloads.js'
import type { Peer } from './peer.js'

export interface PublishResult {
  sent: number
  /** Publishes received over all subscribers: `sent` x the room size when nothing is lost. */
  received: number
  expected: number
  ms: number
}

/** A y-webrtc signal publish (an ICE candidate, about 280 bytes), addressed to `to` within `room`. */
export const yjsSignal = (room: string, from: string, to: string, stamp: number, n: number) =>
  JSON.stringify({
    type: 'publish',
    topic: room,
    data: { to, from, type: 'signal', token: 1_700_000_000_000.5, signal: { type: 'candidate', candidate: { candidate: candidate(stamp, n), sdpMid: '0', sdpMLineIndex: 0 } } },
  })

/** Each peer publishes `perPeer` signals to its next room mate, all at once; resolves when all arrived (or at the deadline). */
export function publishes(rooms: Peer[][], perPeer: number, deadlineMs: number): Promise<PublishResult> {
  let sent = 0
  let received = 0
  const expected = rooms.reduce((n, room) => n + room.length * perPeer * room.length, 0)
  const t0 = performance.now()
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer)
      for (const room of rooms) for (const p of room) p.onSignal = null
      resolve({ sent, received, expected, ms: performance.now() - t0 })
    }
    const timer = setTimeout(finish, deadlineMs)
    for (const room of rooms) {
      for (const p of room) {
        p.onSignal = () => {
          if (++received === expected) finish()
        }
      }
    }
    if (expected === 0) return finish()
    for (let n = 0; n < perPeer; n++) {
      for (const room of rooms) {
        for (const p of room) {
          const to = room[(p.slot + 1) % room.length]!
          p.ws.send(yjsSignal(p.spec.room, p.spec.id, to.spec.id, nowUs(), n))
          sent++
        }
      }
    }
  })
}
