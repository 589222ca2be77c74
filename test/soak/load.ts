/**
 * @module The soak's load: churn (join, a cross-instance offer, then a clean or an abrupt close), floods of invalid
 * 64 KB frames, and half-open upgrades. Each worker loops until stopped; failures are collected, never thrown.
 */
import { connect } from 'node:net'
import { TestClient } from '../helpers/ws-client.js'
import type { Instance } from './cluster.js'

export interface Counters {
  cycles: number
  abrupt: number
  floods: number
  floodsClosed: number
  halfOpen: number
  halfOpenClosed: number
  errors: string[]
}

export const newCounters = (): Counters => ({ cycles: 0, abrupt: 0, floods: 0, floodsClosed: 0, halfOpen: 0, halfOpenClosed: 0, errors: [] })

/** Ends a client without a closing handshake: the server sees 1006, as after a network drop. */
export function cut(client: TestClient) {
  ;(client.ws as unknown as { _socket?: { destroy(): void } })._socket?.destroy()
}

/** Two peers of one room (on the two given instances), one offer between them, then both leave. */
export async function churnCycle(first: Instance, second: Instance, room: string, abrupt: boolean, c: Counters) {
  const [tx, ty] = await Promise.all([first.token('x', room), second.token('y', room)])
  const x = (await TestClient.join(first.ws, tx)).client
  // If y cannot join, x must still go: a client left open here would look like a ghost on the server.
  const y = await TestClient.join(second.ws, ty).then(
    (r) => r.client,
    async (err: unknown) => {
      await x.close(1000)
      throw err
    },
  )
  try {
    await x.next('peer-joined')
    y.send({ type: 'sdp-offer', targetUserId: 'x', data: { type: 'offer', sdp: `v=0 ${room}` } })
    const offer = await x.next('sdp-offer')
    if (offer.from !== 'y' || offer.data?.sdp !== `v=0 ${room}`) throw new Error(`wrong offer in ${room}: ${JSON.stringify(offer)}`)
    c.cycles++
  } finally {
    if (abrupt) {
      c.abrupt++
      cut(x)
      cut(y)
    } else await Promise.all([x.close(1000), y.close(1000)])
  }
}

/** A joined socket that sends invalid 64 KB frames until the server closes it (4008 or 4000). */
export async function floodCycle(on: Instance, room: string, c: Counters) {
  const { client } = await TestClient.join(on.ws, await on.token('flood', room))
  c.floods++
  const junk = `{"type":"sdp-offer","data":"${'x'.repeat(65_000)}"}`
  for (let i = 0; i < 5000 && !client.closed; i++) {
    client.send(junk)
    // As fast as the server reads, no faster: queueing hundreds of MB here would only stall this process.
    while (client.ws.bufferedAmount > 1 << 18 && !client.closed) await new Promise((r) => setTimeout(r, 2))
  }
  const { code } = await client.waitClose(20_000)
  // 1006: the server closed (4008/4000) and, its close frame unanswered within ws's closeTimeout because this side was
  // still flooding, cut the connection; the reset drops the frames this side had not read yet.
  if (code !== 4008 && code !== 4000 && code !== 1006) throw new Error(`flood closed with ${code} after ${JSON.stringify(client.frames.slice(-3)).slice(0, 200)}`)
  c.floodsClosed++
}

/** `n` connections that send half an upgrade request and stop; each must be closed by the server. */
export async function halfOpenCycle(on: Instance, n: number, c: Counters) {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const openedAt = Date.now()
      const socket = connect({ host: '127.0.0.1', port: on.port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`a half-open upgrade was still open after 10 s (opened ${Date.now() - openedAt} ms ago)`))
      }, 10_000)
      socket.on('error', () => undefined)
      // Read (and drop) the server's answer: a paused socket never sees the server's FIN.
      socket.resume()
      socket.once('connect', () => socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'))
      socket.once('close', () => {
        clearTimeout(timer)
        c.halfOpenClosed++
        resolve()
      })
    })
  c.halfOpen += n
  await Promise.all(Array.from({ length: n }, one))
}

/** Runs `cycle` in a loop on `workers` workers until `stop()`; failures go to `c.errors`. */
export function loop(workers: number, c: Counters, cycle: (worker: number, n: number) => Promise<void>) {
  let running = true
  const done = Array.from({ length: workers }, async (_, w) => {
    for (let n = 0; running; n++) {
      try {
        await cycle(w, n)
      } catch (err) {
        if (c.errors.length < 20) c.errors.push(String(err instanceof Error ? err.message : err).slice(0, 300))
      }
    }
  })
  return {
    async stop() {
      running = false
      await Promise.all(done)
    },
  }
}
