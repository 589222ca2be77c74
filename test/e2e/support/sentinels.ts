/**
 * @module "Nothing more is coming", across instances. A client's own `ping` is answered by its own instance, which
 * proves nothing about frames another instance is still publishing to it. So every peer of a room broadcasts a
 * sentinel: each instance relays one sender's frames in order, so once a client holds the sentinel of a peer on
 * instance X, everything X sent it before has arrived. Works the same with one instance.
 */
import { expect } from 'vitest'
import type { Frame, TestClient } from '../../helpers/ws-client.js'

/** The next frame that is not a heartbeat answer (peers that keep themselves alive get those all along). */
export async function nextFrame(client: TestClient, timeoutMs?: number): Promise<Frame> {
  for (;;) {
    const f = await client.next(undefined, timeoutMs)
    if (f.type !== 'heartbeat') return f
  }
}

const SENTINEL = 'sentinel:'

/** The user a client joined as, from its auth reply (labels in a record need not be user ids). */
function userIdOf(c: TestClient): string {
  const userId = c.frames.find((f) => f.type === 'auth')?.userId
  if (!userId) throw new Error('quiet() needs joined clients: no auth reply on this one')
  return userId
}

const sentinelFrom = (f: Frame) =>
  f.type === 'ice-candidate' && typeof f.data?.candidate === 'string' && f.data.candidate.startsWith(SENTINEL) ? f.from : undefined

/**
 * Every peer (all in one room, each a different user; the record's keys are only labels) broadcasts a sentinel; resolves once each has the sentinel of every other, and
 * returns per peer the unread frames that came first (heartbeat answers and sentinels left out). With a single
 * peer, its own ping round trip stands in.
 */
export async function quiet(peers: Record<string, TestClient>): Promise<Record<string, Frame[]>> {
  const entries = Object.entries(peers)
  const out: Record<string, Frame[]> = {}
  if (entries.length === 1) {
    const [id, c] = entries[0]!
    out[id] = (await c.sync()).filter((f) => f.type !== 'heartbeat')
    return out
  }
  const users = new Map(entries.map(([label, c]) => [label, userIdOf(c)]))
  for (const [, c] of entries) c.send({ type: 'ice-candidate', data: { candidate: `${SENTINEL}${crypto.randomUUID()}` } })
  for (const [me, c] of entries) {
    const waiting = new Set([...users].filter(([label]) => label !== me).map(([, userId]) => userId))
    out[me] = []
    while (waiting.size > 0) {
      const f = await nextFrame(c)
      const from = sentinelFrom(f)
      if (from !== undefined && waiting.delete(from)) continue
      out[me].push(f)
    }
  }
  return out
}

/** Fails unless no peer has anything unread before the sentinels. */
export async function expectQuiet(peers: Record<string, TestClient>) {
  const left = await quiet(peers)
  expect(left).toEqual(Object.fromEntries(Object.keys(peers).map((id) => [id, []])))
}
