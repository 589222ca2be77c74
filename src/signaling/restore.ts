/**
 * @module Rebuilds the sockets of a room after its Durable Object woke from hibernation: the object's memory (store,
 * registry, local room) is gone, but its sockets and their attachments are not. A socket that had joined gets its
 * connection back under its old id, in join order, as a joined member of the room, without any announcement (nobody
 * left); a socket still waiting for its auth frame starts its auth deadline again.
 */
import { Connection, type SocketPort } from './connection.js'
import type { PeerRecord } from '../storage/records.js'
import type { Signaling } from './core.js'
import type { RoomStore } from '../storage/types.js'
import type { Clock } from '../lib/clock.js'

export interface SleepingSocket {
  port: SocketPort
  ip: string | null
  urlRoom: string | null
  /** Who the socket had joined as; null when it had not authenticated yet. */
  peer: PeerRecord | null
}

export interface RestoreDeps {
  signaling: Signaling
  store: RoomStore
  clock: Clock
  messageBurst: number
}

/** Rebuilds every socket; returns their connections in the order given. */
export async function restoreSockets(d: RestoreDeps, sockets: SleepingSocket[]): Promise<Connection[]> {
  const restored = new Map<SleepingSocket, Connection>()
  const joined = sockets.filter((s) => s.peer !== null).sort((a, b) => a.peer!.joinedAt - b.peer!.joinedAt)
  for (const s of joined) restored.set(s, await rejoin(d, s, s.peer!))
  for (const s of sockets) if (!s.peer) restored.set(s, d.signaling.lifecycle.open(s.port, s.ip, s.urlRoom))
  return sockets.map((s) => restored.get(s)!)
}

async function rejoin(d: RestoreDeps, s: SleepingSocket, peer: PeerRecord): Promise<Connection> {
  const { registry, presence } = d.signaling
  const now = d.clock.now()
  const conn = new Connection(peer.connectionId, s.ip, s.port, now, d.messageBurst)
  conn.urlRoom = s.urlRoom
  registry.add(conn)
  conn.beginAuth()
  await presence.prepare(conn, peer.roomId)
  const result = await d.store.join({ peer, maxPeers: Number.MAX_SAFE_INTEGER, maxRooms: Number.MAX_SAFE_INTEGER, now })
  if (!result.ok) throw new Error(`restoring ${peer.userId} failed: ${result.reason}`)
  conn.join({ roomId: peer.roomId, userId: peer.userId, userName: peer.userName })
  presence.enter(conn, peer, result.peers)
  conn.admitted()
  registry.admitted(conn)
  d.signaling.inbound.release(conn)
  return conn
}
