/**
 * @module A describe block's deployment: booted before its tests with the env they need, closed after them, with
 * the steps scenarios share (open, join, join a room, clean up). Every client opened here is cut at the end.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ClientOptions } from 'ws'
import { TestClient, type Frame } from '../../helpers/ws-client.js'
import { forgeToken } from './scenario.js'
import { nextFrame } from './sentinels.js'
import { start, type ApiResponse, type Deployment, type Env, type Feature, type StartOptions, type Target } from './target.js'

export interface JoinOptions {
  /** Placement index: the instance it connects to (default 0). */
  peer?: number
  /** Use this token instead of minting one. */
  token?: string
  /** Sign the token here instead of minting it over HTTP (blocks that limit minting). */
  forge?: boolean
  userName?: string
  /** Sent as `data.resumeToken`. */
  resumeToken?: string
  /** Connect here instead of the instance's /ws (a proxy, another path). */
  url?: string
}

/** The auth frame a client sends first. */
export const authFrame = (token: string, extra: Record<string, unknown> = {}, ids: { userId?: string; roomId?: string } = {}) => ({
  type: 'auth',
  ...ids,
  data: { token, ...extra },
  timestamp: Date.now(),
})

/** One describe block's running deployment of a target, and the client steps the scenarios share. */
export class Stage {
  private current: Deployment | null = null
  private readonly clients: TestClient[] = []

  constructor(readonly target: Target) {}

  private get d(): Deployment {
    if (!this.current) throw new Error('the deployment is not running (used outside its describe block?)')
    return this.current
  }

  get instances() {
    return this.target.instances
  }

  async boot(env: Env, options: StartOptions) {
    this.current = await start(this.target, env, options)
  }

  async teardown() {
    for (const c of this.clients.splice(0)) c.ws.terminate()
    await this.current?.close()
  }

  ws(peer = 0, path?: string) {
    return this.d.ws(peer, path)
  }

  signalingWs(peer = 0, path?: string) {
    return this.d.signalingWs(peer, path)
  }

  http(peer = 0) {
    return this.d.http(peer)
  }

  port(peer = 0) {
    return this.d.port(peer)
  }

  token(userId: string, roomId: string, o: JoinOptions = {}): Promise<string> {
    if (o.forge) return forgeToken({ sub: userId, room: roomId })
    return this.d.token(userId, roomId, { peer: o.peer ?? 0, userName: o.userName })
  }

  api(path: string, init?: RequestInit, peer = 0): Promise<ApiResponse> {
    return this.d.api(path, init, peer)
  }

  /** The same request on every instance, in instance order. */
  apiAll(path: string, init?: RequestInit): Promise<ApiResponse[]> {
    return Promise.all(Array.from({ length: this.instances }, (_, i) => this.d.api(path, init, i)))
  }

  /** Runs a cleanup pass on every instance, so that a sweep which would announce someone again has done so. */
  async cleanup() {
    for (const r of await this.apiAll('/api/maintenance/cleanup', { method: 'POST' })) expect(r.status).toBe(200)
  }

  /**
   * Opens a socket to peer `peer`'s instance, on /ws with `room` on the URL (the form every runtime takes; Workers needs
   * it), or on /ws without one, or at `url`; rejects with the HTTP status when the upgrade is refused.
   */
  async open(peer = 0, options: ClientOptions & { url?: string; room?: string } = {}): Promise<TestClient> {
    const { url, room, ...clientOptions } = options
    const client = await TestClient.open(url ?? this.d.ws(peer, room === undefined ? '/ws' : roomPath(room)), clientOptions)
    this.clients.push(client)
    return client
  }

  /** Opens a socket, sends auth and returns the client and its first frame, whatever it is. */
  async attempt(userId: string, roomId: string, o: JoinOptions = {}): Promise<{ client: TestClient; first: Frame }> {
    const token = o.token ?? (await this.token(userId, roomId, o))
    const client = await this.open(o.peer, { url: o.url, room: roomId })
    client.send(authFrame(token, o.resumeToken === undefined ? {} : { resumeToken: o.resumeToken }))
    return { client, first: await client.next() }
  }

  /** Like `attempt`, and fails unless the first frame is a successful auth reply. */
  async join(userId: string, roomId: string, o: JoinOptions = {}): Promise<{ client: TestClient; reply: Frame }> {
    const { client, first } = await this.attempt(userId, roomId, o)
    expect(first, `${userId} joins ${roomId}`).toMatchObject({ type: 'auth', data: { status: 'authenticated' } })
    return { client, reply: first }
  }

  /**
   * Joins users one after another, user k as peer `from + k`, checking that each earlier peer's next frame is the
   * newcomer's peer-joined (consumed, so later assertions start clean).
   */
  async joinAll<const U extends string>(roomId: string, userIds: readonly U[], o: { forge?: boolean; from?: number } = {}) {
    const out = {} as Record<U, TestClient>
    for (const [k, userId] of userIds.entries()) {
      const { client } = await this.join(userId, roomId, { peer: (o.from ?? 0) + k, forge: o.forge })
      for (const earlier of Object.values<TestClient>(out)) {
        expect(await nextFrame(earlier), `${userId} announced`).toMatchObject({ type: 'peer-joined', userId })
      }
      out[userId] = client
    }
    return out
  }

  /** Shuts peer `peer`'s instance down gracefully. */
  drain(peer = 0) {
    return this.d.drain(peer)
  }
}

/** The WebSocket path that names its room. */
export const roomPath = (room: string) => `/ws?room=${encodeURIComponent(room)}`

/** A Stage for the enclosing describe block: boots `target` with `env` before its tests, closes it after. */
export function deploy(target: Target, env: Env = {}, options: StartOptions = {}): Stage {
  const stage = new Stage(target)
  beforeAll(() => stage.boot(env, options))
  afterAll(() => stage.teardown())
  return stage
}

/** User ids of a peer list (auth reply `peers`, room listing `peers`). */
export const userIds = (peers: unknown): string[] => (peers as { userId: string }[]).map((p) => p.userId)

/** The members of a room as one instance lists them, sorted; null when the room does not exist. */
export async function members(stage: Stage, roomId: string, peer = 0): Promise<string[] | null> {
  const r = await stage.api(`/api/rooms/${roomId}`, undefined, peer)
  return r.status === 200 ? userIds(r.body.peers).sort() : null
}

/** `it` for a scenario that needs `feature`: skipped, with the target's reason in its name, where the target lacks it. */
export function itWith(target: Target, feature: Feature) {
  const why = target.lacks?.[feature]
  return (name: string, fn: () => Promise<void>) => (why === undefined ? it(name, fn) : it.skip(`${name} [${target.name} has no ${feature}: ${why}]`, fn))
}
