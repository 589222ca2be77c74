/** @module Client address, honouring X-Forwarded-For only for the configured number of trusted proxy hops. */
import type { Context } from 'hono'

/**
 * With `hops` = 0 the TCP peer address is used and X-Forwarded-For is ignored (it is spoofable).
 * With `hops` = N the Nth address from the right of X-Forwarded-For is the client (each trusted
 * proxy appends the address it saw).
 */
export function clientIp(c: Context, hops: number, remote: (c: Context) => string | null): string | null {
  if (hops > 0) {
    const xff = c.req.header('x-forwarded-for')
    if (xff) {
      const list = xff.split(',').map((s) => s.trim()).filter(Boolean)
      const pick = list[list.length - hops]
      if (pick && pick.length <= 64) return pick
    }
  }
  return remote(c)
}
