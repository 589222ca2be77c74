/**
 * @module The sockets this instance holds, by our own connection id, with the per-address tally admission reads.
 * Sockets of other endpoints (/yjs) count in the tally too, so that the connection caps hold for the instance.
 */
import type { Metrics } from '../ops/metrics.js'
import type { Connection } from './connection.js'

export class Registry {
  private readonly byId = new Map<string, Connection>()
  private readonly perIp = new Map<string, number>()
  /** Sockets of other endpoints: counted, never routed to. */
  private others = 0

  constructor(private readonly metrics: Metrics) {}

  add(conn: Connection) {
    this.byId.set(conn.id, conn)
    this.count(conn.ip)
  }

  /** Forgets a socket; true the first time. */
  remove(conn: Connection): boolean {
    if (!this.byId.delete(conn.id)) return false
    this.uncount(conn.ip)
    return true
  }

  /** A socket of another endpoint opened; its endpoint calls `removeOther` exactly once when it closes. */
  addOther(ip: string | null) {
    this.others++
    this.count(ip)
  }

  removeOther(ip: string | null) {
    this.others--
    this.uncount(ip)
  }

  private count(ip: string | null) {
    if (ip) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1)
    this.metrics.connections.inc()
  }

  private uncount(ip: string | null) {
    if (ip) {
      const n = (this.perIp.get(ip) ?? 1) - 1
      if (n <= 0) this.perIp.delete(ip)
      else this.perIp.set(ip, n)
    }
    this.metrics.connections.dec()
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId)
  }

  from(ip: string): number {
    return this.perIp.get(ip) ?? 0
  }

  /** Every socket of the instance, other endpoints' included: what MAX_CONNECTIONS caps. */
  get size() {
    return this.byId.size + this.others
  }

  values(): IterableIterator<Connection> {
    return this.byId.values()
  }
}
