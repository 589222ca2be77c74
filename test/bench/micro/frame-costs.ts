/**
 * @module `npx tsx test/bench/micro/frame-costs.ts`: per-frame costs on the relay path, in isolation, on
 * the storm's own frames (1 offer, 1 answer, 16 candidates). Evidence for the hot-path notes in
 * docs/performance.md; compares our decode (JSON.parse + zod) with a hand-written check, and our frame
 * building with alternatives. Reads src/, changes nothing.
 */
import { decodeClientFrame } from '../../../src/protocol/codec.js'
import { ClientMessageSchema } from '../../../src/protocol/client-messages.js'
import { ADAPTERS } from '../load/protocols.js'

const ours = ADAPTERS.ours
const frames = Array.from({ length: 18 }, (_, k) => ours.signal(k === 0 ? 'offer' : k === 1 ? 'answer' : 'ice', 'alice', 'bob', 1_234_567_890 + k, k))
const parsed = frames.map((f) => JSON.parse(f) as unknown)
const ID = /^[A-Za-z0-9_.@-]{1,64}$/

/** Roughly what a hand-written validator of the same rules does (not a drop-in: no alias types, no stripping). */
function handCheck(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const m = v as Record<string, unknown>
  if (typeof m.targetUserId !== 'string' || !ID.test(m.targetUserId)) return false
  const d = m.data as Record<string, unknown> | null
  if (typeof d !== 'object' || d === null) return false
  if (m.type === 'ice-candidate') {
    const c = d.candidate as Record<string, unknown> | null
    if (typeof c !== 'object' || c === null || typeof c.candidate !== 'string' || c.candidate.length > 2048) return false
    return (c.sdpMid == null || typeof c.sdpMid === 'string') && (c.sdpMLineIndex == null || Number.isInteger(c.sdpMLineIndex))
  }
  return typeof d.sdp === 'string' && d.sdp.length <= 61_440 && (d.type === undefined || d.type === 'offer' || d.type === 'answer')
}

function bench(name: string, fn: (i: number) => unknown) {
  const run = (n: number) => {
    let sink = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) if (fn(i)) sink++
    return [Number(process.hrtime.bigint() - t0) / n / 1000, sink] as const
  }
  run(20_000)
  const times = [0, 1, 2, 3, 4].map(() => run(100_000)[0]).sort((a, b) => a - b)
  console.log(`${times[2]!.toFixed(3).padStart(7)} µs  ${name}`)
  return times[2]!
}

const now = Date.now()
console.log(`per frame, median of 5 x 100k, storm mix (avg ${Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length)} B)\n`)
bench('decodeClientFrame (size cap + JSON.parse + type set + zod safeParse)', (i) => decodeClientFrame(frames[i % 18], 65_536).ok)
bench('  JSON.parse alone', (i) => JSON.parse(frames[i % 18]!))
bench('  ClientMessageSchema.safeParse alone', (i) => ClientMessageSchema.safeParse(parsed[i % 18]).success)
bench('  hand-written check of the same rules', (i) => handCheck(parsed[i % 18]))
const msgs = parsed.map((p) => ClientMessageSchema.parse(p) as { type: string; data: unknown })
bench('relay frame: JSON.stringify({... spread ...}) as in session.ts', (i) => {
  const msg = msgs[i % 18]!
  const target: string | null = 'bob'
  return JSON.stringify({ type: msg.type, roomId: 'room-1', userId: 'alice', from: 'alice', ...(target === null ? {} : { targetUserId: target }), data: msg.data, timestamp: now })
})
bench('relay frame: same object without the conditional spread', (i) => {
  const msg = msgs[i % 18]!
  return JSON.stringify({ type: msg.type, roomId: 'room-1', userId: 'alice', from: 'alice', targetUserId: 'bob', data: msg.data, timestamp: now })
})
bench('  JSON.stringify(data) alone', (i) => JSON.stringify(msgs[i % 18]!.data))
const buffers = frames.map((f) => Buffer.from(f))
bench('@hono/node-server: new MessageEvent + Buffer.from(data).toString()', (i) => new MessageEvent('message', { data: Buffer.from(buffers[i % 18]!).toString('utf-8') }).data)
bench('  data.toString() only (what a direct ws listener needs)', (i) => buffers[i % 18]!.toString())
bench('Date.now()', () => Date.now())
