/** @module Reading the reconnect-grace bookkeeping (spec v2) the way a client or operator can: auth replies, /api/stats, /api/audit. */
import type { Frame, TestClient } from '../../helpers/ws-client.js'
import { until } from './scenario.js'
import type { Stage } from './stage.js'
import type { Target } from './target.js'

/** The RECONNECT_GRACE the session scenarios run with: short, so that expiries are quick to wait for. */
export const GRACE = 1500

export interface SessionCounts {
  resumed: number
  expired: number
  replaced: number
}

/** The auth reply a client got (its first frame). */
export const replyOf = (client: TestClient): Frame => client.frames[0]!

/** The resume token of a client's auth reply. */
export const resumeTokenOf = (client: TestClient): string => String(replyOf(client).data?.resumeToken)

/** Away peers held by the whole deployment: the sum of every instance's `server.awayPeers`. */
export async function awayPeers(s: Stage): Promise<number> {
  let n = 0
  for (const r of await s.apiAll('/api/stats')) n += Number(r.body.server.awayPeers ?? 0)
  return n
}

/** Waits until the deployment holds exactly `n` away peers (it noticed a drop, or a grace ended). */
export const awayCount = (s: Stage, n: number) => until(async () => (await awayPeers(s)) === n, `${n} away peer(s) in /api/stats`)

/** `operations.sessions` summed over the instances. */
export async function sessionCounts(s: Stage): Promise<SessionCounts> {
  const sum: SessionCounts = { resumed: 0, expired: 0, replaced: 0 }
  for (const r of await s.apiAll('/api/stats')) {
    const c = (r.body.operations.sessions ?? {}) as Partial<SessionCounts>
    sum.resumed += c.resumed ?? 0
    sum.expired += c.expired ?? 0
    sum.replaced += c.replaced ?? 0
  }
  return sum
}

/** Waits until an audit event of this kind for the user and room shows up (audit writes may trail the event). */
export const audited = (s: Stage, event: string, userId: string, roomId: string) =>
  until(async () => {
    const events = (await s.api('/api/audit?limit=1000')).body.events as { event: string; userId: string; roomId: string }[]
    return events.some((e) => e.event === event && e.userId === userId && e.roomId === roomId)
  }, `an audit event ${event} for ${userId} in ${roomId}`)

/** Where a dropped peer (placed as peer 0) comes back: its own instance, and the other one when there are two. */
export const comebackPlaces = (target: Target): [string, number][] =>
  target.instances > 1 ? [['its own instance', 0], ['the other instance', 1]] : [['its own instance', 0]]
