/** @module LocalRoom (roster, remote count, idle) and LocalRooms (one bus subscription per room, dropped when idle). */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/lib/logger.js'
import { Connection } from '../../../src/signaling/connection.js'
import { LocalRoom, LocalRooms } from '../../../src/signaling/rooms.js'
import { channels } from '../../../src/storage/bus.js'
import { createMemoryBackend, createMemoryState } from '../../../src/storage/memory.js'
import type { AwayPeer } from '../../../src/signaling/away.js'
import { FakeSocket, flush } from './fixtures.js'

const here = (connectionId: string) => ({ instanceId: 'i1', connectionId })
const there = (connectionId: string, instanceId = 'i2') => ({ instanceId, connectionId })
const conn = (id: string) => new Connection(id, null, new FakeSocket(), 0, 10)
const awayPeer = (userId: string): AwayPeer => ({ roomId: 'r1', userId, userName: userId, connectionId: `${userId}-1`, ip: null, timer: { cancel: () => undefined }, kept: [], keptChars: 0 })

describe('LocalRoom roster', () => {
  it('counts only entries held by other instances as remote', () => {
    const room = new LocalRoom('r1', 'i1')
    room.setRoster('alice', here('a1'))
    expect(room.hasRemote).toBe(false)
    room.setRoster('bob', there('b1'))
    expect(room.hasRemote).toBe(true)
    expect(room.locate('bob')).toEqual(there('b1'))
  })

  it('keeps the count right when an entry moves between instances or is replaced', () => {
    const room = new LocalRoom('r1', 'i1')
    room.setRoster('bob', there('b1'))
    room.setRoster('bob', there('b2', 'i3'))
    room.setRoster('bob', here('b3'))
    expect(room.hasRemote).toBe(false)
    room.setRoster('bob', there('b4'))
    room.setRoster('carol', there('c1'))
    room.setRoster('bob', null)
    expect(room.hasRemote).toBe(true)
    room.setRoster('carol', null)
    expect(room.hasRemote).toBe(false)
  })

  it('forgets an entry only while it names the given connection', () => {
    const room = new LocalRoom('r1', 'i1')
    room.setRoster('bob', there('b2'))
    room.forget('bob', 'b1')
    expect(room.locate('bob')).toEqual(there('b2'))
    expect(room.hasRemote).toBe(true)
    room.forget('bob', 'b2')
    expect(room.locate('bob')).toBeUndefined()
    expect(room.hasRemote).toBe(false)
    room.forget('bob', 'b2')
    expect(room.hasRemote).toBe(false)
  })

  it('is idle only with no local socket, no join in flight and no away peer; roster entries do not count', () => {
    const room = new LocalRoom('r1', 'i1')
    room.setRoster('bob', there('b1'))
    expect(room.idle).toBe(true)
    const c = conn('a1')
    room.startJoining(c)
    expect(room.idle).toBe(false)
    room.stopJoining(c)
    room.local.set('alice', c)
    expect(room.idle).toBe(false)
    room.local.delete('alice')
    room.away = new Map([['alice', awayPeer('alice')]])
    expect(room.idle).toBe(false)
    room.away.clear()
    expect(room.idle).toBe(true)
  })
})

describe('LocalRooms', () => {
  function setup() {
    const state = createMemoryState()
    const backend = createMemoryBackend({ instanceId: 'i1', state })
    const rooms = new LocalRooms(backend.bus, 'i1', silentLogger, () => undefined)
    const subscribed = (roomId: string) => state.subscribers.get(`room\t${roomId}`)?.size ?? 0
    return { rooms, backend, subscribed }
  }

  it('creates a room once and subscribes to its channel once', async () => {
    const { rooms, subscribed } = setup()
    const room = rooms.ensure('r1')
    expect(rooms.ensure('r1')).toBe(room)
    await Promise.all([rooms.subscribe(room), rooms.subscribe(room)])
    expect(subscribed('r1')).toBe(1)
    expect(room.channel).toEqual(channels.room('r1'))
  })

  it('drops an idle room and its subscription, and keeps a room something still holds', async () => {
    const { rooms, subscribed } = setup()
    const busy = rooms.ensure('busy')
    const idle = rooms.ensure('idle')
    busy.local.set('alice', conn('a1'))
    await Promise.all([rooms.subscribe(busy), rooms.subscribe(idle)])
    rooms.dropIfIdle(busy)
    rooms.dropIfIdle(idle)
    await flush(2)
    expect(rooms.get('busy')).toBe(busy)
    expect(rooms.get('idle')).toBeUndefined()
    expect(subscribed('busy')).toBe(1)
    expect(subscribed('idle')).toBe(0)
  })

  it('does not drop a newer room of the same id through a stale reference', async () => {
    const { rooms } = setup()
    const old = rooms.ensure('r1')
    rooms.dropIfIdle(old)
    const fresh = rooms.ensure('r1')
    fresh.local.set('alice', conn('a1'))
    rooms.dropIfIdle(old)
    expect(rooms.get('r1')).toBe(fresh)
  })

  it('a failed subscription resolves to null and may be retried', async () => {
    const { rooms, backend, subscribed } = setup()
    const room = rooms.ensure('r1')
    await backend.close()
    await expect(rooms.subscribe(room)).resolves.toBeNull()
    expect(room.subscription).toBeNull()
    expect(subscribed('r1')).toBe(0)
  })

  it('stop forgets every room and unsubscribes', async () => {
    const { rooms, subscribed } = setup()
    await rooms.subscribe(rooms.ensure('r1'))
    await rooms.subscribe(rooms.ensure('r2'))
    await rooms.stop()
    expect(rooms.size).toBe(0)
    expect(subscribed('r1') + subscribed('r2')).toBe(0)
  })
})
