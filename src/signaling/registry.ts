/**
 * @module The sockets this instance holds, by our own connection id, with the per-address tallies admission reads: all
 * sockets, and those still pending (not yet admitted to a room: waiting for or running their auth; issue 9 finding 4).
 * Sockets of other endpoints (/yjs) count in the tally too, so that the connection caps hold for the instance.
 */
import type { Metrics } from '../ops/metrics.js'
import type { Connection } from './connection.js'

export class Registry {
  private readonly byId = new Map<string, Connection>()
  private readonly perIp = new Map<string, number>()
  private readonly pendingSet = new Set<Connection>()
  private readonly pendingPerIp = new Map<string, number>()
  /** Sockets of other endpoints: counted, never routed to. */
  private others = 0

  constructor(private readonly metrics: Metrics) {}

  add(conn: Connection) {
    this.byId.set(conn.id, conn)
    this.count(conn.ip)
    this.pendingSet.add(conn)
    if (conn.ip) tally(this.pendingPerIp, conn.ip, 1)
  }

  /** The socket joined its room: it no longer counts as pending. */
  admitted(conn: Connection) {
    if (this.pendingSet.delete(conn) && conn.ip) tally(this.pendingPerIp, conn.ip, -1)
  }

  /** Forgets a socket; true the first time. */
  remove(conn: Connection): boolean {
    if (!this.byId.delete(conn.id)) return false
    this.uncount(conn.ip)
    this.admitted(conn)
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
    if (ip) tally(this.perIp, ip, 1)
    this.metrics.connections.inc()
  }

  private uncount(ip: string | null) {
    if (ip) tally(this.perIp, ip, -1)
    this.metrics.connections.dec()
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId)
  }

  from(ip: string): number {
    return this.perIp.get(ip) ?? 0
  }

  /** Pending sockets of one address. */
  pendingFrom(ip: string): number {
    return this.pendingPerIp.get(ip) ?? 0
  }

  get pending(): number {
    return this.pendingSet.size
  }

  /** Every socket of the instance, other endpoints' included: what MAX_CONNECTIONS caps. */
  get size() {
    return this.byId.size + this.others
  }

  values(): IterableIterator<Connection> {
    return this.byId.values()
  }
}

function tally(map: Map<string, number>, key: string, delta: number) {
  const n = (map.get(key) ?? 0) + delta
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}
