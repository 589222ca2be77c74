/**
 * @module The reference workload of docs/scaling.md, as real WebSocket clients: rooms of 4, each newcomer doing the
 * WebRTC handshake with every peer already there (offer, answer, 10 ICE candidates each way: 22 relays a pair), and
 * placement of peers on instances either random or by room (what a balancer hashing the room id does).
 */
import type { Instance } from '../helpers/redis.js'
import { TestClient } from '../helpers/ws-client.js'

export const ROOM_SIZE = 4
export const ICE_PER_SIDE = 10
/** Relays one pair's handshake takes: offer, answer and ICE_PER_SIDE candidates each way. */
export const RELAYS_PER_PAIR = 2 + 2 * ICE_PER_SIDE

export type Placement = 'random' | 'affinity'

const SDP = `v=0\r\n${'a=candidate-ish line of a plausible size\r\n'.repeat(50)}`
const CANDIDATE = 'candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 10.0.0.5 rport 46154 generation 0 ufrag abcd network-cost 999'

/** FNV-1a of the room id: the instance a balancer hashing `?room=` would pick. */
function roomHash(roomId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < roomId.length; i++) h = Math.imul(h ^ roomId.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export function pickInstance(instances: Instance[], roomId: string, placement: Placement): Instance {
  const i = placement === 'affinity' ? roomHash(roomId) % instances.length : Math.floor(Math.random() * instances.length)
  return instances[i] as Instance
}

export interface Seat {
  userId: string
  roomId: string
  on: Instance
  token: string
}

/** Seats for `rooms` rooms of ROOM_SIZE, tokens minted up front (minting is not part of what is measured). */
export async function seats(instances: Instance[], tag: string, rooms: number, placement: Placement): Promise<Seat[][]> {
  const out: Seat[][] = []
  for (let r = 0; r < rooms; r++) {
    const roomId = `${tag}-${r}`
    const room: Seat[] = []
    for (let p = 0; p < ROOM_SIZE; p++) {
      const on = pickInstance(instances, roomId, placement)
      const userId = `u${p}`
      room.push({ userId, roomId, on, token: await on.token(userId, roomId) })
    }
    out.push(room)
  }
  return out
}

async function waitCount(c: TestClient, type: string, n: number) {
  const deadline = Date.now() + 15_000
  while (c.all(type).length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} ${type} frames, got ${c.all(type).length}`)
    await c.next(undefined, 15_000)
  }
}

/** One pair's handshake, newcomer first; resolves when both sides got everything. */
async function handshake(a: TestClient, aId: string, b: TestClient, bId: string) {
  const before = { bOffers: b.all('sdp-offer').length, aAnswers: a.all('sdp-answer').length, aIce: a.all('ice-candidate').length, bIce: b.all('ice-candidate').length }
  a.send({ type: 'sdp-offer', targetUserId: bId, data: { type: 'offer', sdp: SDP } })
  await waitCount(b, 'sdp-offer', before.bOffers + 1)
  b.send({ type: 'sdp-answer', targetUserId: aId, data: { type: 'answer', sdp: SDP } })
  await waitCount(a, 'sdp-answer', before.aAnswers + 1)
  for (let i = 0; i < ICE_PER_SIDE; i++) {
    a.send({ type: 'ice-candidate', targetUserId: bId, data: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 } })
    b.send({ type: 'ice-candidate', targetUserId: aId, data: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 } })
  }
  await Promise.all([waitCount(b, 'ice-candidate', before.bIce + ICE_PER_SIDE), waitCount(a, 'ice-candidate', before.aIce + ICE_PER_SIDE)])
}

/** Peers join one by one; each newcomer does the handshake with everyone already in. Returns the open clients. */
export async function fillRoom(room: Seat[], handshakes: boolean): Promise<TestClient[]> {
  const clients: TestClient[] = []
  for (const [k, seat] of room.entries()) {
    const { client } = await TestClient.join(seat.on.ws, seat.token)
    if (handshakes) for (let j = 0; j < k; j++) await handshake(client, seat.userId, clients[j] as TestClient, room[j]?.userId ?? '')
    clients.push(client)
  }
  return clients
}

/** Runs `fn` over `items`, at most `width` at a time. */
export async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T)
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
  return out
}

/** Every client leaves (a clean close) and the server saw it: resolves when each socket closed. */
export async function leaveAll(clients: TestClient[]) {
  await Promise.all(clients.map((c) => c.close(1000)))
}
