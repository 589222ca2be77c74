/**
 * @module What the scenario suite runs against. A Target knows how to boot one server instance of a runtime and
 * storage; `start` turns it into a Deployment (one instance, or several sharing one store) that scenarios reach
 * only as a client would: WebSocket URLs, HTTP bases, minted tokens and the HTTP API.
 *
 * Peer placement: peer i talks to instance i % instances, and its token is minted on the next instance, so with
 * two instances every room's peers are split over both and every token crosses instances.
 */
import { freePort } from '../../helpers/net.js'
import { TEST_SECRET } from '../../helpers/server.js'

export type Env = Record<string, string>

/** One running server instance, as a target boots it. */
export interface Instance {
  port: number
  /** The WebSocket-only SIGNALING_PORT listener, when the deployment asked for one. */
  signalingPort: number | null
  /** The platform's graceful shutdown (SIGTERM; in process, close()); resolves once it has stopped. */
  drain(): Promise<void>
  /** Stops it in whatever state it is; idempotent. */
  stop(): Promise<void>
}

/**
 * What some scenarios need and a runtime may lack by design (Workers: one port, no RSS, no SIGTERM). A target lists
 * what it lacks, with the reason, and those scenarios show as skipped with it; nothing else may differ.
 */
export type Feature =
  | 'signalingPort'
  | 'memoryWatch'
  | 'drain'
  /** A socket without its room on the URL (`/ws`, then the token names the room). */
  | 'roomlessUrl'
  /** The client address from X-Forwarded-For under TRUST_PROXY. */
  | 'trustProxy'
  /** Slow consumers detected from the socket's buffered amount (MAX_BUFFERED_BYTES). */
  | 'slowConsumer'
  /** The /yjs endpoint (y-webrtc). */
  | 'yjs'
  /** A text frame with invalid UTF-8 closes the socket with 1007. */
  | 'strictUtf8'
  /** A socket that never sent a frame, closed by the server (auth deadline), sees its connection end. */
  | 'silentSocketClose'

export interface Target {
  readonly name: string
  /** Server instances per deployment. */
  readonly instances: number
  /** Documented differences: the features this runtime does not have, and why. */
  readonly lacks?: Partial<Record<Feature, string>>
  /** Whether its components are here; a missing one is a visible skip, or a failure under REQUIRE_ALL_COMPONENTS=1. */
  available(): Promise<boolean>
  /** Env every instance of one deployment shares (a store's key prefix), and how to clean it up after. */
  shared?(): { env: Env; cleanup(): Promise<void> }
  /** Boots one instance with the full env (suite defaults, shared env, the scenario's env). */
  boot(env: Env): Promise<Instance>
}

export interface StartOptions {
  /** Also open a SIGNALING_PORT listener on each instance. */
  signalingPort?: boolean
}

export interface ApiResponse {
  status: number
  // Scenarios read arbitrary response bodies.
  body: any
}

/** A running deployment of a target, as clients see it. `peer` is the placement index (see the module doc). */
export interface Deployment {
  readonly instances: number
  /** WebSocket URL on the main port (default path /ws) of peer `peer`'s instance. */
  ws(peer: number, path?: string): string
  /** WebSocket URL on the SIGNALING_PORT listener of peer `peer`'s instance (started with `signalingPort`). */
  signalingWs(peer: number, path?: string): string
  /** HTTP base URL of peer `peer`'s instance. */
  http(peer: number): string
  /** TCP port of peer `peer`'s instance (for raw requests and proxies). */
  port(peer: number): number
  /** A room token for the user, minted over HTTP on an instance peer `peer` does not talk to, when there are several. */
  token(userId: string, roomId: string, o?: { peer?: number; userName?: string }): Promise<string>
  /** Calls the HTTP API of peer `peer`'s instance (admin routes are open in test mode); parses JSON bodies. */
  api(path: string, init?: RequestInit, peer?: number): Promise<ApiResponse>
  /** Shuts peer `peer`'s instance down gracefully; resolves once it has stopped. */
  drain(peer: number): Promise<void>
  close(): Promise<void>
}

/** The same settings on every target, so a scenario's env means the same everywhere. */
const SUITE_ENV: Env = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  SIGNALING_PORT: '0',
  AUTH_SECRET: TEST_SECRET,
  LOG_LEVEL: 'warn',
  TOKEN_RATE_LIMIT: '10000',
  MESSAGE_BURST: '200',
  CLEANUP_INTERVAL: '60000',
  // Long enough that a busy machine never expires a live peer of another instance.
  PEER_LEASE_TTL: '10000',
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Boots the target's instances (in parallel) with `env` over the suite defaults. */
export async function start(target: Target, env: Env = {}, options: StartOptions = {}): Promise<Deployment> {
  const shared = target.shared?.() ?? { env: {}, cleanup: async () => undefined }
  const boots = Array.from({ length: target.instances }, async () => {
    const signaling: Env = options.signalingPort && !target.lacks?.signalingPort ? { SIGNALING_PORT: String(await freePort()) } : {}
    return target.boot({ ...SUITE_ENV, ...shared.env, ...env, ...signaling })
  })
  const settled = await Promise.allSettled(boots)
  const servers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()))
    await shared.cleanup()
    throw failed.reason
  }
  return deployment(servers, shared.cleanup)
}

function deployment(servers: Instance[], cleanup: () => Promise<void>): Deployment {
  const n = servers.length
  const at = (peer: number) => servers[peer % n]!
  const http = (peer: number) => `http://127.0.0.1:${at(peer).port}`
  let closing: Promise<void> | null = null
  return {
    instances: n,
    ws: (peer, path = '/ws') => `ws://127.0.0.1:${at(peer).port}${path}`,
    signalingWs(peer, path = '') {
      const port = at(peer).signalingPort
      if (port === null) throw new Error('no SIGNALING_PORT listener: start the deployment with { signalingPort: true }')
      return `ws://127.0.0.1:${port}${path}`
    },
    http,
    port: (peer) => at(peer).port,
    async token(userId, roomId, o = {}) {
      const body = JSON.stringify({ userId, roomId, ...(o.userName ? { userName: o.userName } : {}) })
      const res = await fetch(`${http((o.peer ?? 0) + 1)}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { token: string }).token
    },
    async api(path, init, peer = 0) {
      const res = await fetch(`${http(peer)}${path}`, init)
      return { status: res.status, body: await readBody(res) }
    },
    drain: (peer) => at(peer).drain(),
    close: () =>
      (closing ??= (async () => {
        await Promise.all(servers.map((s) => s.stop()))
        await cleanup()
      })()),
  }
}
