/** @module Outbound: error frames before closes, the error table's close codes, slow consumers, hold and release. */
import { describe, expect, it } from 'vitest'
import { ERRORS, type ErrorCode } from '../../../src/errors.js'
import { silentLogger } from '../../../src/lib/logger.js'
import { createManualScheduler } from '../../../src/lib/scheduler.js'
import { Connection } from '../../../src/signaling/connection.js'
import { Outbound } from '../../../src/signaling/outbound.js'
import { FakeSocket } from './fixtures.js'

const MAX_BUFFERED = 4096
const f = (type: string) => JSON.stringify({ type })

function setup() {
  const clock = createManualScheduler(5000)
  const out = new Outbound(clock, silentLogger, MAX_BUFFERED)
  const socket = new FakeSocket()
  const conn = new Connection('c1', '10.0.0.1', socket, clock.now(), 10)
  return { out, socket, conn }
}

const closing = (Object.keys(ERRORS) as ErrorCode[]).filter((c) => 'close' in ERRORS[c] && c !== 'slow_consumer')

describe('Outbound', () => {
  it('sends frames as given, in order', () => {
    const { out, socket, conn } = setup()
    out.send(conn, f('a'))
    out.send(conn, f('b'))
    expect(socket.raw).toEqual(['{"type":"a"}', '{"type":"b"}'])
  })

  it('sends an error frame with the code and the table text', () => {
    const { out, socket, conn } = setup()
    out.sendError(conn, 'peer_not_found')
    expect(socket.frames).toEqual([{ type: 'error', data: { code: 'peer_not_found', error: ERRORS.peer_not_found.message }, timestamp: 5000 }])
    expect(socket.closed).toBeNull()
  })

  it.each(closing)('closes for %s with the table code, after an error frame naming it', (code) => {
    const { out, socket, conn } = setup()
    out.close(conn, code)
    expect(socket.frames.map((f) => f.data?.code)).toEqual([code])
    expect(socket.closed).toEqual({ code: (ERRORS[code] as { close: number }).close, reason: ERRORS[code].message })
    expect(conn.closeReason).toBe(code)
  })

  it('closes a plain leave with 1000 and no error frame', () => {
    const { out, socket, conn } = setup()
    out.close(conn, 'left')
    expect(socket.frames).toEqual([])
    expect(socket.closed?.code).toBe(1000)
  })

  it('closes with 1008 for a code the table gives no close code', () => {
    const { out, socket, conn } = setup()
    out.close(conn, 'peer_not_found')
    expect(socket.closed?.code).toBe(1008)
  })

  it('closes once: the first reason stands', () => {
    const { out, socket, conn } = setup()
    out.close(conn, 'replaced')
    out.close(conn, 'idle_timeout')
    expect(socket.frames).toHaveLength(1)
    expect(socket.closed?.code).toBe(4009)
    expect(conn.closeReason).toBe('replaced')
  })

  it('writes nothing to a socket that is no longer open', () => {
    const { out, socket, conn } = setup()
    socket.open = false
    out.send(conn, f('a'))
    expect(socket.raw).toEqual([])
  })

  it('cuts a consumer that stopped reading: terminate, no frame, no close frame', () => {
    const { out, socket, conn } = setup()
    socket.buffered = MAX_BUFFERED + 1
    out.send(conn, f('a'))
    expect(socket.raw).toEqual([])
    expect(socket.terminated).toBe(true)
    expect(socket.closed).toBeNull()
    expect(conn.closeReason).toBe('slow_consumer')
  })

  it('sends while the queue is at the bound exactly', () => {
    const { out, socket, conn } = setup()
    socket.buffered = MAX_BUFFERED
    out.send(conn, f('a'))
    expect(socket.raw).toHaveLength(1)
    expect(socket.terminated).toBe(false)
  })

  it('holds frames until release, then writes the given first frames, then the held ones, in order', () => {
    const { out, socket, conn } = setup()
    out.hold(conn)
    out.send(conn, f('n1'))
    out.sendError(conn, 'relay_failed')
    expect(socket.raw).toEqual([])
    out.release(conn, [f('k1'), f('k2')])
    out.send(conn, f('n2'))
    expect(socket.frames.map((x) => x.type)).toEqual(['k1', 'k2', 'n1', 'error', 'n2'])
  })

  it('holding twice keeps what already waits', () => {
    const { out, socket, conn } = setup()
    out.hold(conn)
    out.send(conn, f('n1'))
    out.hold(conn)
    out.release(conn, [])
    expect(socket.raw).toEqual([f('n1')])
  })

  it('holds at most 1024 frames, dropping the newest', () => {
    const { out, socket, conn } = setup()
    out.hold(conn)
    for (let i = 0; i < 1030; i++) out.send(conn, f(`n${i}`))
    out.release(conn, [f('k')])
    const types = socket.frames.map((x) => x.type)
    expect(types).toHaveLength(1025)
    expect(types.slice(0, 2)).toEqual(['k', 'n0'])
    expect(types.at(-1)).toBe('n1023')
  })

  it('a close while frames are held goes out at once, error frame first; the held frames never do', () => {
    const { out, socket, conn } = setup()
    out.hold(conn)
    out.send(conn, f('n1'))
    out.close(conn, 'replaced')
    expect(socket.frames.map((x) => x.data?.code)).toEqual(['replaced'])
    expect(socket.closed?.code).toBe(4009)
    out.release(conn, [f('k')])
    expect(socket.frames).toHaveLength(1)
  })
})
