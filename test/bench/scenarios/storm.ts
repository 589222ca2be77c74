/**
 * @module Signaling storm: rooms of 4, every pair does offer -> answer -> 8 candidates each way, for a
 * number of rounds. Server CPU per relayed message is the figure least disturbed by a shared machine.
 */
import { merge, newHist, quantile } from '../lib/hist.js'
import { httpCall, protocolOf, type ServerKind } from '../lib/servers.js'
import { sleep } from '../lib/proc.js'
import { errorsOf, measured, split, sum, withServer, type ConnectResult, type Ctx, type RunResult, type SignalResult } from './context.js'

const ROOM = 4
const ICE = 8

export function storm(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const { o, pool } = ctx
  return withServer(ctx, kind, async (srv) => {
    const rooms = split(Math.round(o.stormPeers / ROOM), pool.size)
    const c = await pool.all<ConnectResult>('connect', (i) => ({ rooms: rooms[i]!, roomSize: ROOM, prefix: 's', concurrency: 100, timeoutMs: 20_000, deadlineMs: 60_000 }), 90_000)
    const notes = errorsOf(c)
    await sleep(300)
    const relayed0 = await relayedByOurs(kind, srv.port, ctx.secrets.adminToken)
    const run = await measured(srv, () => pool.all<SignalResult>('storm', () => ({ rounds: o.rounds, ice: ICE, deadlineMs: 120_000 }), 150_000))
    const hist = newHist()
    for (const r of run.value) merge(hist, r.hist)
    const received = sum(run.value.map((r) => r.received))
    const sent = sum(run.value.map((r) => r.sent))
    const relayed1 = await relayedByOurs(kind, srv.port, ctx.secrets.adminToken)
    if (received < sent) notes.push(`${sent - received} of ${sent} signals not delivered`)
    if (relayed0 !== null && relayed1 !== null && relayed1 - relayed0 !== sent) notes.push(`server counted ${relayed1 - relayed0} relayed, clients sent ${sent}`)
    return {
      metrics: {
        delivered: received,
        msgsPerSec: (received * 1000) / run.wallMs,
        p50Ms: (quantile(hist, 0.5) ?? NaN) / 1000,
        p99Ms: (quantile(hist, 0.99) ?? NaN) / 1000,
        cpuUsPerMsg: (run.cpuMs * 1000) / received,
        serverCpuShare: run.cpuMs / run.wallMs,
      },
      notes,
    }
  })
}

/** Our server's own relayed-message counter (GET /api/stats), to check the client-side count; null for others. */
export async function relayedByOurs(kind: ServerKind, port: number, adminToken: string): Promise<number | null> {
  if (protocolOf(kind) !== 'ours') return null
  const r = await httpCall(port, '/api/stats', { headers: { authorization: `Bearer ${adminToken}` } }).catch(() => null)
  if (!r || r.status !== 200) return null
  const total = (JSON.parse(r.body) as { operations?: { relayed?: { total?: unknown } } }).operations?.relayed?.total
  return typeof total === 'number' ? total : null
}
