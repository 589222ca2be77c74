/**
 * @module Checklist cases (../shared/reference/security-checklist.md) no other test covered: frames with reserved bits
 * or without a mask (36), key URLs in a token header never fetched (14). docs/security.md maps every case.
 */
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

/** A raw WebSocket: the handshake by hand, then whatever bytes the test writes. Resolves once the 101 arrived. */
function rawSocket(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let data = Buffer.alloc(0)
    let upgraded = false
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (!upgraded && end >= 0) {
        upgraded = true
        if (!data.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(data.toString()))
        data = data.subarray(end + 4)
        resolve({ socket, received: () => data, closed })
      }
    })
    socket.once('connect', () =>
      socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
    )
  })
}

/** A one-frame text message `text`, masked unless `masked` is false, with the given first-byte flags. */
function frame(text: string, o: { rsv?: number; masked?: boolean } = {}): Buffer {
  const payload = Buffer.from(text)
  const masked = o.masked ?? true
  const mask = Buffer.from([1, 2, 3, 4])
  const head = Buffer.from([0x80 | (o.rsv ?? 0) | 0x1, (masked ? 0x80 : 0) | payload.length])
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)) : payload
  return Buffer.concat([head, masked ? mask : Buffer.alloc(0), body])
}

/** The close code in the first server frame, when it is a close frame. */
const closeCodeOf = (bytes: Buffer) => ((bytes[0]! & 0x0f) === 0x8 && bytes.length >= 4 ? bytes.readUInt16BE(2) : null)

describe('protocol violations on the wire (checklist 36)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({})
  })
  afterAll(() => server.close())

  it.each([
    ['a reserved bit (RSV2) set', frame('{"type":"ping"}', { rsv: 0x20 })],
    ['a reserved bit (RSV3) set', frame('{"type":"ping"}', { rsv: 0x10 })],
    ['an unmasked client frame', frame('{"type":"ping"}', { masked: false })],
  ])('closes a socket sending %s with 1002; the server keeps serving', async (_label, bytes) => {
    const raw = await rawSocket(server.port)
    raw.socket.write(bytes)
    await raw.closed
    expect(closeCodeOf(raw.received())).toBe(1002)
    expect((await server.api('/api/health')).status).toBe(200)
    const { client } = await TestClient.join(server.ws, await server.token('alice', 'alive'))
    await client.close()
  })
})

describe('key URLs in a token header (checklist 14)', () => {
  let server: TestServer
  let keys: Server
  let requests = 0
  let keysUrl = ''
  beforeAll(async () => {
    server = await startTestServer({})
    keys = createServer((_req, res) => {
      requests++
      res.end('{"keys":[]}')
    })
    await new Promise<void>((r) => keys.listen(0, '127.0.0.1', () => r()))
    keysUrl = `http://127.0.0.1:${(keys.address() as { port: number }).port}/jwks.json`
  })
  afterAll(async () => {
    await server.close()
    await new Promise((r) => keys.close(r))
  })

  it.each(['jku', 'x5u'])('refuses a correctly signed token whose header has %s (4001), and never fetches it', async (field) => {
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({ room: 'r' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', [field]: keysUrl })
      .setSubject('alice').setIssuer('octatecode-p2p-backend').setAudience('octatecode-p2p-signaling').setIssuedAt(now).setExpirationTime(now + 60).setJti(crypto.randomUUID())
      .sign(new TextEncoder().encode(TEST_SECRET))
    const client = await TestClient.open(server.ws)
    client.send({ type: 'auth', data: { token } })
    expect((await client.next('error')).data?.code).toBe('token_invalid')
    expect((await client.waitClose()).code).toBe(4001)
    expect(requests).toBe(0)
  })
})
