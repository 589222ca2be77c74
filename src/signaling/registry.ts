/** @module The sockets this instance holds, by our own connection id, with the per-address tally admission reads. */
import type { Metrics } from '../ops/metrics.js'
import type { Connection } from './connection.js'

export class Registry {
  private readonly byId = new Map<string, Connection>()
  private readonly perIp = new Map<string, number>()

  constructor(private readonly metrics: Metrics) {}

  add(conn: Connection) {
    this.byId.set(conn.id, conn)
    if (conn.ip) this.perIp.set(conn.ip, (this.perIp.get(conn.ip) ?? 0) + 1)
    this.metrics.connections.inc()
  }

  /** Forgets a socket; true the first time. */
  remove(conn: Connection): boolean {
    if (!this.byId.delete(conn.id)) return false
    if (conn.ip) {
      const n = (this.perIp.get(conn.ip) ?? 1) - 1
      if (n <= 0) this.perIp.delete(conn.ip)
      else this.perIp.set(conn.ip, n)
    }
    this.metrics.connections.dec()
    return true
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId)
  }

  from(ip: string): number {
    return this.perIp.get(ip) ?? 0
  }

  get size() {
    return this.byId.size
  }

  values(): IterableIterator<Connection> {
    return this.byId.values()
  }
}
