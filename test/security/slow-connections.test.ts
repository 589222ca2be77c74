/**
 * @module Issue 9 finding 4 on Node: idle connections, trickled headers and half-sent upgrades end within a second of
 * HEADERS_TIMEOUT, a slow body within a second of REQUEST_TIMEOUT, and connections that have not become WebSockets
 * are capped per address and in total before any request is read. Waits are for the close event, bounded.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

/** A raw TCP connection and what happened to it. */
interface Probe {
  socket: Socket
  data: string
  closed: Promise<{ afterMs: number; data: string }>
}

function probe(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect({ host: '127.0.0.1', port })
    const p: Probe = { socket, data: '', closed: null as never }
    p.closed = new Promise((done) => socket.once('close', () => done({ afterMs: Date.now() - started, data: p.data })))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (p.data += chunk))
    socket.on('error', () => undefined)
    socket.once('connect', () => resolve(p))
    socket.once('error', reject)
  })
}

/** Resolves once the server closed the connection; rejects after `ms` (the bound the server must keep). */
function closedWithin(p: Probe, ms: number): Promise<{ afterMs: number; data: string }> {
  return Promise.race([
    p.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms; got ${JSON.stringify(p.data.slice(0, 200))}`)), ms)),
  ])
}

describe('timeouts (HEADERS_TIMEOUT=1000, REQUEST_TIMEOUT=2000)', () => {
  let server: TestServer
  const cut: Socket[] = []
  beforeAll(async () => {
    server = await startTestServer({ HEADERS_TIMEOUT: '1000', REQUEST_TIMEOUT: '2000', JOIN_RATE_LIMIT: '1000' })
  })
  afterAll(async () => {
    for (const s of cut) s.destroy()
    await server.close()
  })

  it('closes a connection that sends nothing', async () => {
    const p = await probe(server.port)
    cut.push(p.socket)
    await closedWithin(p, 3500)
  })

  it('closes a connection trickling its headers one byte at a time', async () => {
    const p = await probe(server.port)
    cut.push(p.socket)
    const text = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200)
    let i = 0
    const timer = setInterval(() => (i < text.length && !p.socket.destroyed ? p.socket.write(text[i++]!) : clearInterval(timer)), 100)
    try {
      await closedWithin(p, 3500)
    } finally {
      clearInterval(timer)
    }
  })

  it('closes a half-sent upgrade request', async () => {
    const p = await probe(server.port)
    cut.push(p.socket)
    p.socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n')
    await closedWithin(p, 3500)
  })

  it('ends a request whose body (after a valid token) never finishes, within a second of REQUEST_TIMEOUT', async () => {
    const token = await server.token('alice', 'slow-body')
    const p = await probe(server.port)
    cut.push(p.socket)
    const head = ['POST /api/rooms/slow-body/join HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100', `Authorization: Bearer ${token}`]
    p.socket.write(`${head.join('\r\n')}\r\n\r\n{"user_id":`)
    const { data } = await closedWithin(p, 4500)
    expect(data === '' || /^HTTP\/1\.1 408/.test(data)).toBe(true)
  })
})

describe('connections that are not WebSockets yet (MAX_PENDING_CONNECTIONS_PER_IP=5)', () => {
  let server: TestServer
  const open: Probe[] = []
  beforeAll(async () => {
    server = await startTestServer({ MAX_PENDING_CONNECTIONS_PER_IP: '5', HEADERS_TIMEOUT: '60000', REQUEST_TIMEOUT: '60000' })
  })
  afterAll(async () => {
    for (const p of open) p.socket.destroy()
    await server.close()
  })

  it('answers the 6th silent connection from one address with 429 and closes it at once; the first five stay', async () => {
    for (let i = 0; i < 5; i++) open.push(await probe(server.port))
    const sixth = await probe(server.port)
    open.push(sixth)
    const { data } = await closedWithin(sixth, 2000)
    expect(data).toMatch(/^HTTP\/1\.1 429 /)
    expect(JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4))).toEqual({ code: 'too_many_pending', error: expect.any(String) })
    expect(open.slice(0, 5).every((p) => !p.socket.destroyed && p.socket.readyState === 'open')).toBe(true)
  })

  it('frees a place when one of them closes, and HTTP works again', async () => {
    const first = open.shift()!
    first.socket.destroy()
    await first.closed
    const res = await server.api('/api/health')
    expect(res.status).toBe(200)
  })
})

describe('the instance-wide cap behind a proxy (TRUST_PROXY=1, MAX_PENDING_CONNECTIONS=4)', () => {
  let server: TestServer
  const open: Probe[] = []
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1', MAX_PENDING_CONNECTIONS: '4', MAX_PENDING_CONNECTIONS_PER_IP: '2', HEADERS_TIMEOUT: '60000', REQUEST_TIMEOUT: '60000' })
  })
  afterAll(async () => {
    for (const p of open) p.socket.destroy()
    await server.close()
  })

  it('ignores the per-address cap for the proxy\'s own address, and answers past the total with 503 server_busy', async () => {
    for (let i = 0; i < 4; i++) open.push(await probe(server.port))
    const fifth = await probe(server.port)
    open.push(fifth)
    const { data } = await closedWithin(fifth, 2000)
    expect(data).toMatch(/^HTTP\/1\.1 503 /)
    expect(data).toContain('"code":"server_busy"')
    expect(open.slice(0, 4).every((p) => p.socket.readyState === 'open')).toBe(true)
  })
})
