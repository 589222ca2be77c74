/** @module Client steps for the /yjs scenarios: a y-webrtc signaling socket as the provider drives it, and quiet checks. */
import { expect } from 'vitest'
import type { Frame, TestClient } from '../../helpers/ws-client.js'
import type { Stage } from './stage.js'

/** A frame of the y-webrtc dialect: publishes carry `topic` and `clients`. */
export type YFrame = Frame & { topic?: string; clients?: number }

/** The /yjs URL of peer `peer`'s instance for a token (room tokens are base64url: nothing to escape). */
export const yjsUrl = (s: Stage, peer: number, token: string) => s.ws(peer, `/yjs?token=${token}`)

/** Opens a /yjs socket for a user of a room on peer `peer`'s instance (its token minted on another instance). */
export async function openYjs(s: Stage, userId: string, roomId: string, peer = 0, o: { token?: string } = {}): Promise<TestClient> {
  const token = o.token ?? (await s.token(userId, roomId, { peer }))
  return s.open(peer, { url: yjsUrl(s, peer, token) })
}

/** Sends `subscribe` and waits until the server has acted on it (frames after it wait for the store join). */
export async function subscribe(c: TestClient, topics: unknown[]) {
  c.send({ type: 'subscribe', topics })
  expect(await c.sync(), 'nothing before the pong').toEqual([])
}

export const publish = (c: TestClient, topic: string, data: unknown) => c.send({ type: 'publish', topic, data })

export const nextPublish = async (c: TestClient): Promise<YFrame> => (await c.next('publish')) as YFrame

/** The publish a subscriber receives. */
export const published = (topic: string, data: unknown, clients: number) => ({ type: 'publish', topic, data, clients })

const SENTINEL = 'yjs-sentinel'
const sentinelOf = (f: YFrame): string | undefined => {
  const d = f.type === 'publish' ? (f.data as Record<string, unknown> | undefined) : undefined
  return d && d.type === SENTINEL && typeof d.label === 'string' ? d.label : undefined
}

/**
 * "Nothing more is coming", across instances: every subscriber (of `topic`) publishes a sentinel, and each waits for
 * every sentinel, its own included. One instance's publishes reach a subscriber in order, so once it holds the
 * sentinel of a peer on instance X, everything X relayed to it before has arrived. Returns per peer the unread
 * frames that came first.
 */
export async function yjsQuiet(topic: string, peers: Record<string, TestClient>): Promise<Record<string, YFrame[]>> {
  const labels = Object.keys(peers)
  for (const [label, c] of Object.entries(peers)) publish(c, topic, { type: SENTINEL, label })
  const out: Record<string, YFrame[]> = {}
  for (const [label, c] of Object.entries(peers)) {
    const waiting = new Set(labels)
    out[label] = []
    while (waiting.size > 0) {
      const f = (await c.next()) as YFrame
      const from = sentinelOf(f)
      if (from !== undefined && waiting.delete(from)) continue
      out[label].push(f)
    }
  }
  return out
}

/** Fails unless no subscriber has anything unread before the sentinels. */
export async function expectYjsQuiet(topic: string, peers: Record<string, TestClient>) {
  expect(await yjsQuiet(topic, peers)).toEqual(Object.fromEntries(Object.keys(peers).map((label) => [label, []])))
}

/** The /yjs block of peer `peer`'s instance's /api/stats. */
export async function yjsStats(s: Stage, peer = 0) {
  const r = await s.api('/api/stats', undefined, peer)
  expect(r.status).toBe(200)
  return r.body.yjs as {
    connections: number
    localTopics: number
    joins: number
    leaves: number
    publishes: number
    dropped: Record<string, number>
    ignoredTopics: number
    refused: Record<string, number>
    rejectedFrames: Record<string, number>
  }
}

/** Subscribers of a /yjs room as the store counts them (0 when the room does not exist). */
export async function yjsRoomSize(s: Stage, room: string): Promise<number> {
  const rooms = (await s.api('/api/rooms')).body.rooms as { roomId: string; peerCount: number }[]
  return rooms.find((r) => r.roomId === `yjs/${room}`)?.peerCount ?? 0
}

/** Open /yjs sockets over every instance of the deployment. */
export async function yjsConnections(s: Stage): Promise<number> {
  let n = 0
  for (let i = 0; i < s.instances; i++) n += (await yjsStats(s, i)).connections
  return n
}
