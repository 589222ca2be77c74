/**
 * @module The storage of the Workers runtime runs the conformance suite: one memory store per room (what each room
 * object holds), wrapped by `directoryRooms` over the directory's logic (`DirectoryState`: the room set for MAX_ROOMS
 * and the count, the audit trail). The world routes each room's calls to that room's store, as the Worker routes
 * each room to its object; calls that span rooms (listing, counts, sweep) ask every store, as the fan-outs do.
 * The bus group does not apply: one object holds a room's every socket, so nothing crosses instances.
 */
import { directoryRooms } from '../../src/runtime/workers/room-store.js'
import { DirectoryState } from '../../src/runtime/workers/directory-state.js'
import type { DirectoryRpc } from '../../src/runtime/workers/directory.js'
import { createMemoryBackend } from '../../src/storage/memory.js'
import { StoreError, type Backend, type RoomStore, type SweepResult } from '../../src/storage/types.js'
import { runBackendConformance } from './conformance.js'

/** The directory's RPC surface over its logic, as a stub would reach it. */
function directory(state: DirectoryState): DirectoryRpc {
  return {
    reserve: (roomId, maxRooms) => state.reserve(roomId, maxRooms),
    release: (roomId) => state.release(roomId),
    rooms: async () => state.rooms(),
    track: async (name) => state.track(name),
    untrack: async (name) => state.untrack(name),
    objects: async () => state.objects(),
    appendAudit: async (event, capacity) => state.appendAudit(event, capacity),
    listAudit: async (limit) => state.listAudit(limit),
    hit: async (key, windowMs) => state.hit(key, windowMs, Date.now()),
    unhit: async (key) => state.unhit(key),
    resetKey: async (key) => state.resetKey(key),
  }
}

/** One deployment: a store per room object and one directory, seen by any number of instances. */
function deployment(auditCapacity: number) {
  const dir = directory(new DirectoryState(new Set(), async () => undefined))
  const objects = new Map<string, RoomStore>()
  const tokenUses = createMemoryBackend({ instanceId: 'tokens' })
  const object = (roomId: string) => {
    let store = objects.get(roomId)
    if (!store) objects.set(roomId, (store = directoryRooms(createMemoryBackend({ instanceId: `object-${roomId}` }).rooms, dir)))
    return store
  }
  const every = async <T>(fn: (s: RoomStore) => Promise<T>) => Promise.all((await dir.rooms()).map((r) => fn(object(r))))
  const rooms: RoomStore = {
    join: (req) => object(req.peer.roomId).join(req),
    resume: (req) => object(req.peer.roomId).resume(req),
    leave: (roomId, userId, connectionId, now) => object(roomId).leave(roomId, userId, connectionId, now),
    getRoom: async (roomId, now) => ((await dir.rooms()).includes(roomId) ? object(roomId).getRoom(roomId, now) : null),
    listRooms: async (now) => (await every((s) => s.listRooms(now))).flat(),
    counts: async () => ({ rooms: (await dir.rooms()).length, peers: (await every((s) => s.counts())).reduce((n, c) => n + c.peers, 0) }),
    listPeers: (roomId, now) => object(roomId).listPeers(roomId, now),
    touchRoom: (roomId, now) => object(roomId).touchRoom(roomId, now),
    renewLeases: async (instanceId, leaseUntil) => void (await every((s) => s.renewLeases(instanceId, leaseUntil))),
    deleteRoom: (roomId) => object(roomId).deleteRoom(roomId),
    sweep: async (opts) => {
      // Token uses are kept where tokens are checked (each room object's store, which forgets them in its sweep).
      await tokenUses.rooms.sweep(opts)
      const results = await every((s) => s.sweep(opts))
      return results.reduce<SweepResult>((all, r) => ({ expiredPeers: [...all.expiredPeers, ...r.expiredPeers], deletedRooms: [...all.deletedRooms, ...r.deletedRooms] }), { expiredPeers: [], deletedRooms: [] })
    },
  }
  const audit = { append: (e: Parameters<DirectoryRpc['appendAudit']>[0]) => dir.appendAudit(e, auditCapacity), list: (limit: number) => dir.listAudit(limit) }
  return { rooms, audit, tokens: tokenUses.tokens }
}

/** An instance's Backend over the deployment; every method refuses with StoreError once it is closed. */
function instance(d: ReturnType<typeof deployment>, instanceId: string): Backend {
  let closed = false
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (closed) throw new StoreError('closed')
    return fn(...args)
  }
  const guarded = <T extends object>(port: T): T => Object.fromEntries(Object.entries(port).map(([k, f]) => [k, guard(f as (...a: unknown[]) => Promise<unknown>)])) as T
  const bus = createMemoryBackend({ instanceId }).bus
  return {
    name: 'room-objects',
    shared: true,
    rooms: guarded(d.rooms),
    audit: guarded(d.audit),
    tokens: guarded(d.tokens),
    bus: guarded(bus),
    health: async () => (closed ? { ok: false, detail: 'closed' } : { ok: true }),
    close: async () => void (closed = true),
  }
}

runBackendConformance(
  'room objects (Workers)',
  async () => {
    let d: ReturnType<typeof deployment> | null = null
    return {
      async instance(instanceId, opts = {}) {
        d ??= deployment(opts.auditCapacity ?? 1000)
        return instance(d, instanceId)
      },
      async cleanup() {},
    }
  },
  { notApplicable: { bus: 'a room object holds every socket of its room: nothing is relayed between instances' } },
)
