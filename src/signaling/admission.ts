/**
 * @module Who may open a socket, decided before the upgrade (every runtime's WebSocket route asks): addresses blocked
 * for failed authentications (issue 9 finding 3), and the caps on sockets that have not yet joined a room, per address
 * and in total (finding 4: 3,000 half-open upgrades from one address were all held). Capacity, Origin and memory
 * checks stay in the route.
 */
import type { FailureGate } from '../auth/failure-gate.js'
import type { Config } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Registry } from './registry.js'

export interface Refusal {
  code: ErrorCode
  /** Seconds, for Retry-After. */
  retryAfterS?: number
}

export class Admission {
  constructor(
    private readonly d: { ws: Config['ws']; registry: Registry; failures: FailureGate; clock: Clock },
  ) {}

  /** Why a new socket from `ip` is refused, or null. */
  check(ip: string | null): Refusal | null {
    const blocked = this.d.failures.blockedFor(ip, this.d.clock.now())
    if (blocked !== null) return { code: 'auth_blocked', retryAfterS: blocked }
    if (ip && this.d.registry.pendingFrom(ip) >= this.d.ws.maxPendingPerIp) return { code: 'too_many_pending', retryAfterS: 1 }
    if (this.d.registry.pending >= this.d.ws.maxPending) return { code: 'server_busy', retryAfterS: 1 }
    return null
  }
}
