/**
 * @module BunSocket's contract with the hub, against a recording stand-in for Bun's ServerWebSocket (vitest
 * runs on Node, so Bun.serve cannot run in process; bun-server.test.ts covers the same paths over real sockets).
 */
import { describe, expect, it } from 'vitest'
import { BunSocket, WriteBatch, type ServerWebSocket } from '../../src/runtime/bun/socket.js'

/** Records writes as uWS would see them: `cork` groups the sends made inside it into one write. */
function fakeSocket(socket: BunSocket) {
  const writes: string[][] = []
  let corked: string[] | null = null
  const calls: string[] = []
  const ws = {
    data: socket,
    readyState: 1,
    buffered: 0,
    send(data: string) {
      if (ws.readyState !== 1) return 0
      if (corked) corked.push(data)
      else writes.push([data])
      return data.length
    },
    cork(fn: (w: ServerWebSocket) => void) {
      corked = []
      fn(ws as unknown as ServerWebSocket)
      writes.push(corked)
      corked = null
    },
    close(code?: number) {
      calls.push(`close ${code}`)
      ws.readyState = 3
    },
    terminate() {
      calls.push('terminate')
      ws.readyState = 3
    },
    getBufferedAmount: () => ws.buffered,
  }
  socket.socket = ws as unknown as ServerWebSocket
  return { ws, writes, calls }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('BunSocket', () => {
  it('writes everything sent in one event-loop turn as one corked write per socket, in order', async () => {
    const batch = new WriteBatch()
    const a = new BunSocket({}, '', batch)
    const b = new BunSocket({}, '', batch)
    const fa = fakeSocket(a)
    const fb = fakeSocket(b)
    a.ctx.send('a1')
    b.ctx.send('b1')
    a.ctx.send('a2')
    a.ctx.send('a3')
    expect(fa.writes).toEqual([])
    await nextTurn()
    expect(fa.writes).toEqual([['a1', 'a2', 'a3']])
    expect(fb.writes).toEqual([['b1']])
    a.ctx.send('a4')
    await nextTurn()
    expect(fa.writes).toEqual([['a1', 'a2', 'a3'], ['a4']])
  })

  it('has a live readyState: open until the socket closes, closed after', () => {
    const s = new BunSocket({}, '', new WriteBatch())
    expect(s.ctx.readyState).toBe(0)
    const f = fakeSocket(s)
    expect(s.ctx.readyState).toBe(1)
    f.ws.readyState = 3
    expect(s.ctx.readyState).toBe(3)
  })

  it('counts queued bytes (UTF-8) in the buffered amount until they are written', async () => {
    const s = new BunSocket({}, '', new WriteBatch())
    const f = fakeSocket(s)
    f.ws.buffered = 100
    s.ctx.send('x'.repeat(1000))
    s.ctx.send('é')
    const raw = s.ctx.raw as { bufferedAmount: number }
    expect(raw.bufferedAmount).toBe(100 + 1000 + 2)
    await nextTurn()
    expect(raw.bufferedAmount).toBe(100)
  })

  it('writes queued frames before a close, and drops them on terminate', async () => {
    const s = new BunSocket({}, '', new WriteBatch())
    const f = fakeSocket(s)
    s.ctx.send('error frame')
    s.ctx.close(4008, 'reason')
    expect(f.writes).toEqual([['error frame']])
    expect(f.calls).toEqual(['close 4008'])

    const t = new BunSocket({}, '', new WriteBatch())
    const g = fakeSocket(t)
    t.ctx.send('never read')
    ;(t.ctx.raw as { terminate(): void }).terminate()
    await nextTurn()
    expect(g.writes).toEqual([])
    expect(g.calls).toEqual(['terminate'])
    expect((t.ctx.raw as { bufferedAmount: number }).bufferedAmount).toBe(0)
  })
})
