/** @module Turns script replies into records. Everything read from Redis is validated with the port's zod schemas. */
import { PeerRecordSchema, RoomRecordSchema, StoreError, type PeerRecord, type RoomRecord } from './types.js'

/** The reply as an array; anything else means the script and this code disagree. */
export function asArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new StoreError(`unexpected Redis reply to ${what}`)
  return reply
}

/** A number from an integer or a numeric string reply; '' and null are null. */
export function optionalNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null
  const n = typeof v === 'number' ? v : Number(v)
  if (!Number.isFinite(n)) throw new StoreError(`unexpected number in Redis reply: ${String(v)}`)
  return n
}

export function toNumber(v: unknown): number {
  const n = optionalNumber(v)
  if (n === null) throw new StoreError('missing number in Redis reply')
  return n
}

/** A peer entry ("<seq> <json>") with its live lease, validated. */
export function parseEntry(entry: unknown, lease: unknown): { seq: number; peer: PeerRecord } {
  if (typeof entry !== 'string') throw new StoreError('unexpected peer entry in Redis')
  const space = entry.indexOf(' ')
  let json: unknown
  try {
    json = JSON.parse(entry.slice(space + 1))
  } catch (err) {
    throw new StoreError('corrupt peer record in Redis', { cause: err })
  }
  const parsed = PeerRecordSchema.safeParse(json)
  if (space < 1 || !parsed.success) throw new StoreError('invalid peer record in Redis', { cause: parsed.error })
  return { seq: Number(entry.slice(0, space)), peer: { ...parsed.data, leaseUntil: toNumber(lease) } }
}

/** `count` entry, lease pairs starting at `from` (all the rest when omitted), in join order. */
export function parsePeers(reply: unknown[], from: number, count = (reply.length - from) / 2): PeerRecord[] {
  const out: { seq: number; peer: PeerRecord }[] = []
  for (let i = 0; i < count; i++) out.push(parseEntry(reply[from + 2 * i], reply[from + 2 * i + 1]))
  return out.sort((a, b) => a.seq - b.seq).map((p) => p.peer)
}

/** A room from its meta fields and live peer count. */
export function roomRecord(roomId: string, createdAt: unknown, lastActivity: unknown, emptySince: unknown, peerCount: unknown): RoomRecord {
  const parsed = RoomRecordSchema.safeParse({
    roomId,
    createdAt: toNumber(createdAt),
    lastActivity: toNumber(lastActivity),
    emptySince: optionalNumber(emptySince),
    peerCount: toNumber(peerCount),
  })
  if (!parsed.success) throw new StoreError('invalid room record in Redis', { cause: parsed.error })
  return parsed.data
}
