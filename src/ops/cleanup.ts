/** @module Periodic and on-demand cleanup: idle sockets, expired peers, empty and inactive rooms. */
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Signaling } from '../signaling/core.js'
import type { RoomStore } from '../storage/types.js'
import type { Yjs } from '../yjs/hub.js'
import { isYjsRoom } from '../yjs/topics.js'
import type { Audit } from './audit.js'

export interface CleanupResult {
  idleClosed: number
  expiredPeers: number
  deletedRooms: number
}

export function createCleanup(d: { config: Config; rooms: RoomStore; signaling: Signaling; yjs: Yjs; clock: Clock; audit: Audit }) {
  /** A store room belongs to /ws or (as `yjs/<room>`) to /yjs. */
  const ownerOf = (roomId: string) => (isYjsRoom(roomId) ? d.yjs : d.signaling)
  return async function runCleanup(): Promise<CleanupResult> {
    const now = d.clock.now()
    const idleClosed = d.signaling.lifecycle.closeIdle(now) + d.yjs.closeIdle(now)
    d.signaling.failures.prune(now)
    d.audit.flushDue(now)
    const swept = await d.rooms.sweep({ now, inactivityMs: d.config.rooms.inactivityMs, emptyGraceMs: d.config.rooms.emptyGraceMs })
    for (const peer of swept.expiredPeers) await ownerOf(peer.roomId).sweptPeer(peer)
    for (const room of swept.deletedRooms) {
      d.audit('room_deleted', { userId: null, roomId: room.roomId, reason: room.reason, remoteAddress: null })
      if (room.peers.length > 0) await ownerOf(room.roomId).closeRoom(room.roomId, room.reason)
    }
    return { idleClosed, expiredPeers: swept.expiredPeers.length, deletedRooms: swept.deletedRooms.length }
  }
}
