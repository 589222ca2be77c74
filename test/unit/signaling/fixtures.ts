/**
 * @module A signaling core built directly, without a runtime: fake sockets (SocketPort) over the memory backend, a
 * manual scheduler, real room and resume tokens. One world is one instance; `createCluster` builds two over one
 * MemoryState (store and bus shared). Everything async is awaited by condition over event-loop turns, never by time.
 */
import { createResumeTokens, type ResumeTokens } from '../../../src/auth/resume-tokens.js'
import { createTokenService, type TokenService } from '../../../src/auth/tokens.js'
import { parseConfig, type Config } from '../../../src/config.js'
import { silentLogger } from '../../../src/lib/logger.js'
import { createManualScheduler, type ManualScheduler } from '../../../src/lib/scheduler.js'
import type { AuditFn } from '../../../src/ops/audit.js'
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js'
import { nodeHs256 } from '../../../src/runtime/node/crypto.js'
import type { Connection } from '../../../src/signaling/connection.js'
import { createSignaling, type Signaling } from '../../../src/signaling/core.js'
import { createMemoryBackend, createMemoryState, type MemoryState } from '../../../src/storage/memory.js'
import type { BusEnvelope, Channel } from '../../../src/storage/bus.js'
import { encodeEnvelope } from '../../../src/storage/bus-codec.js'
import { publishText } from '../../../src/storage/memory-bus.js'
import type { Backend, PeerRecord } from '../../../src/storage/types.js'
import { scanForTokens } from '../../helpers/leaks.js'
import { FakeSocket, flush, until, type Frame } from './fake-socket.js'

export { FakeSocket, flush, until, type Frame }

export const TEST_SECRET = 'unit-signaling-secret-0123456789-abcdefghijklmnop'
/** Epoch ms the manual scheduler starts at: tokens need a plausible time. */
export const START = 1_800_000_000_000

export interface AuthData {
  status: string
  peers: { userId: string; userName: string; joinedAt: number }[]
  connectionId: string
  resumeToken: string | null
  reconnectGraceMs: number
  resumed: boolean
}

/** A client socket whose auth reply arrived. */
export type Joined = Client & { auth: AuthData }

/** One client socket on one world. */
export class Client {
  private cursor = 0

  constructor(
    readonly world: World,
    readonly socket: FakeSocket,
    readonly conn: Connection,
  ) {}

  get frames(): Frame[] {
    return this.socket.frames
  }
  /** Frames received since the last call. */
  fresh(): Frame[] {
    const out = this.socket.frames.slice(this.cursor)
    this.cursor = this.socket.frames.length
    return out
  }
  ofType(type: string): Frame[] {
    return this.socket.frames.filter((f) => f.type === type)
  }
  errorCodes(): unknown[] {
    return this.ofType('error').map((f) => f.data?.code)
  }
  send(frame: object | string | Uint8Array) {
    this.world.signaling.inbound.message(this.conn, typeof frame === 'object' && !(frame instanceof Uint8Array) ? JSON.stringify(frame) : frame)
  }
  /** Sends an auth frame with a freshly minted room token (not awaited). */
  async sendAuth(userId: string, roomId: string, extra: { resumeToken?: string; userName?: string } = {}) {
    const { token } = await this.world.tokens.mint({ userId, roomId, userName: extra.userName })
    this.send({ type: 'auth', data: { token, ...extra }, timestamp: this.world.scheduler.now() })
  }
  /** The auth reply's data, once it arrived; throws if the socket was closed instead. */
  async reply(): Promise<AuthData> {
    await until(() => this.ofType('auth').length > 0 || this.socket.closed !== null, 'the auth reply')
    const reply = this.ofType('auth')[0]
    if (!reply) throw new Error(`closed instead of a reply: ${JSON.stringify(this.socket.closed)} ${JSON.stringify(this.frames)}`)
    return reply.data as unknown as AuthData
  }
  /** The network drops: no closing handshake, the runtime reports 1006. */
  drop() {
    this.socket.open = false
    this.world.signaling.lifecycle.closed(this.conn, 1006)
  }
  /** The client starts a closing handshake with `code` (1005: a close frame without a status). */
  closeWith(code: number) {
    this.socket.open = false
    this.world.signaling.lifecycle.closed(this.conn, code)
  }
}

export interface World {
  config: Config
  instanceId: string
  scheduler: ManualScheduler
  state: MemoryState
  backend: Backend
  signaling: Signaling
  metrics: Metrics
  tokens: TokenService
  resumeTokens: ResumeTokens
  audits: { event: string; userId: string | null; roomId: string | null; reason: string | null }[]
  draining: boolean
  /** Opens a socket (not authenticated). */
  connect(ip?: string): Client
  /** Opens a socket and authenticates it; fails unless the reply arrives. */
  join(userId: string, roomId: string, extra?: { resumeToken?: string; userName?: string }): Promise<Joined>
  /** The store's live peers of a room, by user id. */
  peers(roomId: string): Promise<string[]>
}

export interface WorldOptions {
  env?: Record<string, string>
  state?: MemoryState
  instanceId?: string
  scheduler?: ManualScheduler
}

/** Test defaults: leases outlive every test (nothing renews them here: that is app.ts's timer). */
export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({ NODE_ENV: 'test', AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PEER_LEASE_TTL: '3600000', ...env })
}

export async function createWorld(o: WorldOptions = {}): Promise<World> {
  const config = testConfig(o.env)
  const scheduler = o.scheduler ?? createManualScheduler(START)
  const instanceId = o.instanceId ?? 'i1'
  const state = o.state ?? createMemoryState()
  const backend = createMemoryBackend({ instanceId, state })
  const hs256 = nodeHs256
  const tokens = createTokenService({ ...config.auth, clock: scheduler, hs256 })
  const resumeTokens = createResumeTokens({ ...config.auth, clock: scheduler, hs256 })
  const metrics = createMetrics(scheduler)
  const audits: World['audits'] = []
  const audit: AuditFn = (event, f) => {
    scanForTokens('audit entry (unit world)', JSON.stringify(f))
    audits.push({ event, userId: f.userId, roomId: f.roomId, reason: f.reason })
  }
  const world: World = {
    config,
    instanceId,
    scheduler,
    state,
    backend,
    metrics,
    tokens,
    resumeTokens,
    audits,
    draining: false,
    signaling: createSignaling({
      config,
      backend,
      tokens,
      resumeTokens,
      scheduler,
      logger: silentLogger,
      metrics,
      audit,
      instanceId,
      isDraining: () => world.draining,
      touchIntervalMs: 1000,
    }),
    connect(ip = '10.0.0.1') {
      const socket = new FakeSocket()
      const conn = world.signaling.lifecycle.open(socket, ip)
      // The runtimes report a server-side close later, as a close event; so does this one.
      socket.onEnd = (code) => queueMicrotask(() => world.signaling.lifecycle.closed(conn, code))
      return new Client(world, socket, conn)
    },
    async join(userId, roomId, extra = {}) {
      const client = world.connect()
      await client.sendAuth(userId, roomId, extra)
      const auth = await client.reply()
      // Frames held while the join was announced are released in the same turn; let the room hear of it.
      await flush(2)
      return Object.assign(client, { auth })
    },
    async peers(roomId) {
      return (await backend.rooms.listPeers(roomId, scheduler.now())).map((p) => p.userId)
    },
  }
  await world.signaling.start()
  return world
}

/** Two instances over one MemoryState and one clock. */
export async function createCluster(env: Record<string, string> = {}): Promise<[World, World]> {
  const state = createMemoryState()
  const scheduler = createManualScheduler(START)
  return [await createWorld({ env, state, scheduler, instanceId: 'i1' }), await createWorld({ env, state, scheduler, instanceId: 'i2' })]
}

/** A signal frame as a client sends it. */
export const offer = (target: string | null, sdp = 'v=0') => ({
  type: 'sdp-offer',
  ...(target ? { targetUserId: target } : {}),
  data: { type: 'offer', sdp },
})

/** A store record of a peer, as another instance would have written it. */
export const peerRecord = (userId: string, connectionId: string, instanceId = 'i2', roomId = 'r1'): PeerRecord => ({
  roomId,
  userId,
  userName: userId,
  connectionId,
  instanceId,
  joinedAt: START,
  leaseUntil: START + 3_600_000,
})

/** Puts an envelope on the shared bus as another instance would (delivered in a microtask). */
export function inject(world: World, channel: Channel, envelope: BusEnvelope) {
  publishText(world.state.subscribers, channel, encodeEnvelope(envelope), null)
}

/** Writes a peer into the store behind the world's back (a join made by another instance). */
export async function storeJoin(world: World, peer: PeerRecord) {
  const joined = await world.backend.rooms.join({ peer, maxPeers: 16, maxRooms: 100, now: world.scheduler.now() })
  if (!joined.ok) throw new Error(joined.reason)
  return joined
}
