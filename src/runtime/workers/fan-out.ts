/**
 * @module The Worker's answers that span every room object: the room listing, /api/stats and the cleanup pass. The
 * Worker's own app answers first (it checks the admin bearer, and counts what the Worker itself did: mints); then the
 * same request goes to every room the directory lists, and the answers are merged. O(rooms): admin routes only.
 */
import type { DurableObjectNamespace } from './platform.js'

/** Sums numbers key by key (nested objects too); everything else keeps the first answer's value. */
export function sumInto(total: Record<string, unknown>, part: Record<string, unknown>) {
  for (const [k, v] of Object.entries(part)) {
    const t = total[k]
    if (typeof v === 'number' && typeof t === 'number') total[k] = t + v
    else if (isRecord(v) && isRecord(t)) sumInto(t, v)
    else if (t === undefined) total[k] = v
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

type Merge = (front: Record<string, unknown>, parts: Record<string, unknown>[]) => unknown

/** The request answered by the Worker's app, then by every room object; one non-200 answer is passed on as it is. */
export async function fanOut(request: Request, front: Response, objects: string[], ns: DurableObjectNamespace, merge: Merge): Promise<Response> {
  if (front.status !== 200) return front
  const answers = await Promise.all(objects.map((room) => ns.get(ns.idFromName(room)).fetch(request.clone())))
  const refused = answers.find((r) => r.status !== 200)
  if (refused) return refused
  const parts = (await Promise.all(answers.map((r) => r.json()))) as Record<string, unknown>[]
  const body = merge((await front.json()) as Record<string, unknown>, parts)
  return Response.json(body, { headers: front.headers })
}

/** GET /api/rooms: every object's listing of its own room. */
export const mergeListings: Merge = (_front, parts) => {
  const rooms = parts.flatMap((p) => (Array.isArray(p.rooms) ? p.rooms : []))
  return { count: rooms.length, rooms }
}

/** Counts every object reports alike (the directory's room count): taken once, not summed. */
const DEPLOYMENT_WIDE: [string, string][] = [
  ['server', 'activeRooms'],
  ['before', 'rooms'],
  ['after', 'rooms'],
]

/** GET /api/stats and POST /api/maintenance/cleanup: the objects' counters summed onto the Worker's own. */
export const mergeCounters: Merge = (front, parts) => {
  for (const part of parts) {
    const { timestamp: _t, limits: _l, memory: _m, ...counters } = part
    if (isRecord(counters.server)) delete counters.server.uptime
    for (const [section, key] of DEPLOYMENT_WIDE) {
      const from = counters[section]
      const into = front[section]
      if (!isRecord(from) || !isRecord(into)) continue
      into[key] = from[key]
      delete from[key]
    }
    sumInto(front, counters)
  }
  return front
}
