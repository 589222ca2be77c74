/**
 * @module The room store of one room object: the memory store for its own room, with the deployment-wide parts asked
 * of the directory. A room is reserved there before the object creates it (MAX_ROOMS for the whole deployment) and
 * released when it is deleted; the room count is the directory's.
 */
import type { RoomStore } from '../../storage/types.js'
import type { DirectoryRpc } from './directory.js'

export function directoryRooms(inner: RoomStore, dir: DirectoryRpc): RoomStore {
  return {
    ...inner,
    async join(req) {
      const exists = (await inner.getRoom(req.peer.roomId, req.now)) !== null
      if (!exists && !(await dir.reserve(req.peer.roomId, req.maxRooms))) return { ok: false, reason: 'rooms_exhausted' }
      return inner.join({ ...req, maxRooms: Number.MAX_SAFE_INTEGER })
    },
    async deleteRoom(roomId) {
      const peers = await inner.deleteRoom(roomId)
      await dir.release(roomId)
      return peers
    },
    async sweep(opts) {
      const result = await inner.sweep(opts)
      for (const room of result.deletedRooms) await dir.release(room.roomId)
      return result
    },
    async counts() {
      const [own, rooms] = await Promise.all([inner.counts(), dir.rooms()])
      return { rooms: rooms.length, peers: own.peers }
    },
  }
}
