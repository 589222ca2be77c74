/**
 * @module y-webrtc's signaling protocol, as its own client uses it, on y-webrtc's server and on our /yjs (room token
 * on the URL, checked before the upgrade): `--peers` subscribers in rooms of 4 pinging like the provider, memory per
 * peer after a forced GC; then every peer publishes `--rounds` x 4 signals to its room (each reaches the 4
 * subscribers), server CPU per publish; then every peer closes and the memory still held per closed peer.
 */
import { sleep } from '../lib/proc.js'
import type { Protocol, ServerKind } from '../lib/servers.js'
import type { PublishResult } from '../load/yjs-ops.js'
import { errorsOf, measured, split, sum, withServers, type ConnectResult, type Ctx, type RunResult } from './context.js'

const ROOM = 4
const KB = 1024
/** The provider pings after 15 s without a message. */
const PING_MS = 15_000

const PROTOCOLS: Partial<Record<ServerKind, Protocol>> = { node: 'yjs', bun: 'yjs', 'node-exp': 'yjs', ywebrtc: 'ywebrtc-room' }

export function yjs(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const protocol = PROTOCOLS[kind]
  if (!protocol) return Promise.resolve({ metrics: {}, notes: ['skipped: speaks no y-webrtc protocol'] })
  const { o, pool } = ctx
  return withServers(
    ctx,
    kind,
    1,
    {},
    async ([srv]) => {
      const notes: string[] = []
      await sleep(300)
      const m0 = await srv!.gcAndMemory()
      const rooms = split(Math.round(o.peers / ROOM), pool.size)
      const c = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: ROOM, prefix: 'y', concurrency: 100, timeoutMs: 20_000, deadlineMs: 120_000 }), 180_000)
      notes.push(...errorsOf(c))
      const n = sum(c.map((x) => x.connected))
      await pool.all('heartbeats', () => ({ ms: PING_MS }), 5000)
      await sleep(o.holdMs)
      const m1 = await srv!.gcAndMemory()
      const perPeer = o.rounds * 4
      const run = await measured(srv!, () => pool.all<PublishResult>('publishes', () => ({ perPeer, deadlineMs: 120_000 }), 150_000))
      const sent = sum(run.value.map((r) => r.sent))
      const received = sum(run.value.map((r) => r.received))
      const expected = sum(run.value.map((r) => r.expected))
      if (received !== expected) notes.push(`${expected - received} of ${expected} publishes not received`)
      await pool.all('closeAll', () => ({}), 30_000)
      await sleep(o.holdMs)
      const m2 = await srv!.gcAndMemory()
      if (!m0 || !m1 || !m2) throw new Error(`no memory reading from the server (exited: ${srv!.exited()})`)
      return {
        metrics: {
          subscribers: n,
          connectRate: (n * 1000) / Math.max(...c.map((x) => x.ms)),
          rssKbPerPeer: (m1.rss - m0.rss) / n / KB,
          heapKbPerPeer: (m1.heapUsed - m0.heapUsed) / n / KB,
          publishesPerSec: (sent * 1000) / run.wallMs,
          cpuUsPerPublish: (run.cpuMs * 1000) / sent,
          cpuUsPerDelivery: (run.cpuMs * 1000) / received,
          heapKbPerClosedPeer: (m2.heapUsed - m0.heapUsed) / n / KB,
        },
        notes,
      }
    },
    protocol,
  )
}
