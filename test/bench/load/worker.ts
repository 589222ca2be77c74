/**
 * @module Load-generator worker (a child process forked by the harness). Holds its own client sockets
 * (kept under the per-process open-file cap) and runs one operation per IPC request.
 */
import type { Protocol } from '../lib/servers.js'
import { churn, handshakes, healthOverHttp, mintOverHttp, specs, type Mint } from './cycle-ops.js'
import { closePeer, connectPeer, inPool, target, type Peer, type Target } from './peer.js'
import type { PeerSpec } from './protocols.js'
import { steady, storm } from './signal-ops.js'
import { tokenMinter } from './tokens.js'
import { publishes } from './yjs-ops.js'

interface State {
  index: number
  t: Target | null
  mint: Mint
  /** Rooms of connected peers, in connection order; a room with a failed peer is incomplete. */
  rooms: Peer[][]
  roomSize: number
  heartbeat: ReturnType<typeof setInterval> | null
  prepared: PeerSpec[]
}

const s: State = { index: 0, t: null, mint: null, rooms: [], roomSize: 0, heartbeat: null, prepared: [] }
const T = () => {
  if (!s.t) throw new Error('setup first')
  return s.t
}
const complete = () => s.rooms.filter((r) => r.length === s.roomSize)
const allPeers = () => s.rooms.flat()

type Args = Record<string, number | string | boolean>
const num = (a: Args, k: string) => Number(a[k])
const text = (a: Args, k: string) => String(a[k])

/** Sends a heartbeat from every peer once per `ms`, spread over 100 ms ticks. */
function startHeartbeats(ms: number) {
  stopHeartbeats()
  if (ms <= 0) return
  const ticks = Math.max(1, Math.round(ms / 100))
  let tick = 0
  s.heartbeat = setInterval(() => {
    const peers = allPeers()
    const hb = T().adapter.heartbeat
    for (let i = tick % ticks; i < peers.length; i += ticks) if (peers[i]!.ws.readyState === 1) peers[i]!.ws.send(hb)
    tick++
  }, 100)
}

function stopHeartbeats() {
  if (s.heartbeat) clearInterval(s.heartbeat)
  s.heartbeat = null
}

async function connect(a: Args) {
  const t = T()
  const size = num(a, 'roomSize')
  const prefix = `${text(a, 'prefix')}w${s.index}r`
  const first = s.rooms.length
  const list = await specs(t, s.mint, num(a, 'rooms') * size, (i) => `${prefix}${first + Math.floor(i / size)}p${i % size}`, (i) => `${prefix}${first + Math.floor(i / size)}`)
  s.roomSize = size
  for (let r = 0; r < num(a, 'rooms'); r++) s.rooms.push([])
  // A second instance (xrelay): odd slots connect there, so each room is split across the two.
  const alt = a.altPort ? target(t.protocol, num(a, 'altPort')) : null
  const errors: string[] = []
  let failed = 0
  const t0 = performance.now()
  await inPool(list.length, num(a, 'concurrency'), t0 + num(a, 'deadlineMs'), async (i) => {
    try {
      const p = await connectPeer(alt && (i % size) % 2 === 1 ? alt : t, list[i]!, i % size, num(a, 'timeoutMs'))
      s.rooms[first + Math.floor(i / size)]![i % size] = p
    } catch (err) {
      failed++
      if (errors.length < 5) errors.push(String((err as Error).message))
    }
  })
  const ms = performance.now() - t0
  for (let r = first; r < s.rooms.length; r++) s.rooms[r] = s.rooms[r]!.filter(Boolean)
  return { connected: list.length - failed, failed, ms, errors }
}

async function closeAll() {
  stopHeartbeats()
  const peers = allPeers()
  await inPool(peers.length, 500, performance.now() + 15_000, async (i) => closePeer(peers[i]!, 3000))
  s.rooms = []
  s.prepared = []
  return { closed: peers.length }
}

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  async setup(a) {
    s.index = num(a, 'index')
    s.t = target(text(a, 'protocol') as Protocol, num(a, 'port'))
    s.mint = a.secret ? tokenMinter(text(a, 'secret')) : null
    return { pid: process.pid }
  },
  connect,
  async heartbeats(a) {
    startHeartbeats(num(a, 'ms'))
    return {}
  },
  storm: async (a) => storm(T(), complete(), num(a, 'rounds'), num(a, 'ice'), num(a, 'deadlineMs'), a.crossOnly === true),
  steady: async (a) => steady(T(), complete(), num(a, 'rate'), num(a, 'durationMs'), a.crossOnly === true),
  publishes: async (a) => publishes(complete(), num(a, 'perPeer'), num(a, 'deadlineMs')),
  /** Mints the tokens of the next churn or handshake run, so that minting is not timed. */
  async prepare(a) {
    const t = T()
    const n = num(a, 'count')
    if (text(a, 'for') === 'churn') {
      const anchors = allPeers()
      s.prepared = await specs(t, s.mint, n, (i) => `c${s.index}x${text(a, 'tag')}${i}`, (i) => anchors[i % anchors.length]!.spec.room)
    } else {
      const rooms = num(a, 'rooms')
      s.prepared = await specs(t, s.mint, n, (i) => `h${s.index}x${i}`, (i) => `h${s.index}r${i % rooms}`)
    }
    return { count: s.prepared.length }
  },
  churn: async (a) => churn(T(), allPeers(), s.prepared.splice(0), num(a, 'concurrency'), num(a, 'deadlineMs'), num(a, 'timeoutMs')),
  handshakes: async (a) => handshakes(T(), s.prepared.splice(0), num(a, 'concurrency'), num(a, 'deadlineMs'), num(a, 'timeoutMs')),
  mint: async (a) => mintOverHttp(T().port, text(a, 'issuerKey'), `m${s.index}x`, num(a, 'count'), num(a, 'concurrency'), num(a, 'deadlineMs')),
  health: async (a) => healthOverHttp(T().port, num(a, 'count'), num(a, 'concurrency'), num(a, 'deadlineMs')),
  closeAll,
}

process.on('message', (req: { id: number; op: string; args: Args }) => {
  const op = ops[req.op]
  const run = op ? op(req.args) : Promise.reject(new Error(`unknown op ${req.op}`))
  run.then(
    (result) => process.send?.({ id: req.id, ok: true, result }),
    (err: unknown) => process.send?.({ id: req.id, ok: false, error: String((err as Error)?.stack ?? err) }),
  )
})
process.on('disconnect', () => process.exit(0))
