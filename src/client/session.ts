/**
 * @module A signaling session that heals itself: one socket at a time, re-opened with backoff on the close codes that
 * allow it (close-codes.ts, from docs/protocol.md section 7), a fresh token per attempt, the resume token within the
 * grace period, a silent socket treated as dead, and signals queued (bounded) while it is away.
 */
import type { ClientMessage } from '../protocol/client-messages.js'
import type { IceServer, PeerInfo } from '../protocol/server-messages.js'
import { parseServerFrame, INVALID_FRAME, type AuthReply } from './checks.js'
import { backoffDelay, closeAction } from './close-codes.js'
import { Emitter } from './emitter.js'
import { answerFrame, applyServerFrame, authFrame, candidateFrame, offerFrame, wireText, type FrameSink } from './session-frames.js'
import { ConnectError, timings, type ConnectOptions, type SessionEvents, type SessionState, type SignalingError, type StateChange } from './session-types.js'

export { ConnectError, type ConnectOptions, type SessionEvents, type SessionState, type SignalingError, type StateChange }

/** After `online` while open: a socket that does not answer a heartbeat within this is dead. */
const PROBE_MS = 5000
const LEAVE_GRACE_MS = 2000
const OPEN = 1

const delay = (ms: number, fn: () => void) => setTimeout(fn, ms)

export class Session extends Emitter<SessionEvents> {
  state: SessionState = 'connecting'
  /** Who we are in which room; set by the first auth reply. */
  self = { userId: '', roomId: '', userName: '', connectionId: '' }
  /** The other peers in the room, by userId, as of the last auth reply and the peer-joined/peer-left since. */
  readonly peers = new Map<string, PeerInfo>()
  /** STUN/TURN servers from the last auth reply (fresh TURN credentials after every reconnect). */
  iceServers: IceServer[] = []
  limits: AuthReply['data']['limits'] | null = null
  /** Resolves once the session is open the first time; rejects with ConnectError if it closes before. */
  readonly ready: Promise<Session>
  /** Resolves with the final state change. */
  readonly closed: Promise<StateChange>
  #opts: ConnectOptions
  #t: ReturnType<typeof timings>
  #ws: WebSocket | null = null
  /** A socket given up as dead while open: closed once a new one is open, so that its close frame cannot end the session. */
  #stale: WebSocket | null = null
  #queue: ClientMessage[] = []
  #resumeToken: string | null = null
  #graceMs = 0
  #droppedAt = 0
  #attempts = 0
  #tokenRefusals = 0
  #leaving = false
  #lastError: SignalingError | null = null
  #timers: Record<'retry' | 'dead' | 'beat' | 'leave', ReturnType<typeof setTimeout> | undefined> = { retry: undefined, dead: undefined, beat: undefined, leave: undefined }
  #resolve: (s: Session) => void = () => undefined
  #reject: (e: ConnectError) => void = () => undefined
  #settle: (s: StateChange) => void = () => undefined
  #online = () => this.#wake()
  /** Where frames of the current socket land (#frame has checked it is current). */
  #sink: FrameSink = {
    peers: this.peers,
    emit: (name, event) => this.emit(name, event),
    auth: (msg) => {
      if (this.state !== 'open' && this.#ws) this.#adopt(this.#ws, msg)
    },
    refused: (error) => void (this.#lastError = error),
  }

  /** Starts connecting at once; listen to `state` for progress, or use `connect()`. */
  constructor(opts: ConnectOptions) {
    super()
    this.#opts = opts
    this.#t = timings(opts)
    this.ready = new Promise((resolve, reject) => ((this.#resolve = resolve), (this.#reject = reject)))
    this.ready.catch(() => undefined)
    this.closed = new Promise((resolve) => (this.#settle = resolve))
    globalThis.addEventListener?.('online', this.#online)
    void this.#attempt()
  }

  /** Sends an SDP offer to one peer; queued while reconnecting. False when closed or the queue is full. */
  sendOffer(target: string, sdp: string): boolean {
    return this.#send(offerFrame(target, sdp))
  }

  sendAnswer(target: string, sdp: string): boolean {
    return this.#send(answerFrame(target, sdp))
  }

  /** Trickles one ICE candidate to one peer; `null` (or an empty candidate) ends gathering. */
  sendCandidate(target: string, c: RTCIceCandidateInit | null): boolean {
    return this.#send(candidateFrame(target, c))
  }

  /** Leaves the room for good (the server answers and closes with 1000); resolves when closed. */
  leave(): Promise<StateChange> {
    if (this.state === 'closed' || this.#leaving) return this.closed
    this.#leaving = true
    if (this.state === 'open' && this.#send({ type: 'leave-room' })) {
      this.#timers.leave = delay(LEAVE_GRACE_MS, () => this.#ws?.close(1000))
    } else {
      this.#ws?.close(1000)
      this.#finish(1000, 'left')
    }
    return this.closed
  }

  #send(frame: ClientMessage): boolean {
    const ws = this.#ws
    if (this.state === 'open' && ws?.readyState === OPEN) {
      ws.send(wireText(frame))
      return true
    }
    if (this.state === 'closed' || this.#queue.length >= this.#t.queueLimit) return false
    this.#queue.push(frame)
    return true
  }

  async #token(): Promise<string> {
    const { getToken, token } = this.#opts
    const value = getToken ? await getToken() : token
    if (!value) throw new Error('no token')
    return value
  }

  /** One attempt: a token, a socket, the auth frame (with the resume token while the server may still hold us). */
  async #attempt(): Promise<void> {
    this.#timers.retry = undefined
    let token: string
    try {
      token = await this.#token()
    } catch {
      return this.#lost(null, 1006, 'token_unavailable')
    }
    if (this.state === 'closed' || this.#timers.retry !== undefined || this.#ws) return
    const ws = new (this.#opts.WebSocket ?? WebSocket)(this.#opts.url)
    this.#ws = ws
    const auth = authFrame(token, this.#opts.userName, this.#resumable() ? this.#resumeToken : null)
    ws.onopen = () => ws.send(wireText(auth))
    ws.onmessage = (ev) => this.#frame(ws, ev.data)
    ws.onclose = (ev) => this.#lost(ws, ev.code, this.#lastError?.code)
    ws.onerror = null
    this.#arm(ws, this.#t.timeoutMs)
  }

  #resumable(): boolean {
    return this.#resumeToken !== null && Date.now() - this.#droppedAt < this.#graceMs
  }

  /** Restarts the silence deadline of the current socket. */
  #arm(ws: WebSocket, ms: number) {
    clearTimeout(this.#timers.dead)
    if (ms > 0) this.#timers.dead = delay(ms, () => this.#dead(ws))
  }

  /** Abandons a silent socket without a close frame (the server then holds the session for a resume). */
  #dead(ws: WebSocket) {
    if (ws !== this.#ws) return
    ws.onclose = ws.onmessage = ws.onopen = null
    if (this.state === 'open') this.#stale = ws
    else ws.close()
    this.#lost(ws, 1006, 'dead')
  }

  #frame(ws: WebSocket, raw: unknown) {
    if (ws !== this.#ws) return
    this.#arm(ws, this.state === 'open' ? this.#t.deadAfterMs : this.#t.timeoutMs)
    const parsed = parseServerFrame(raw)
    if (!parsed.ok) return this.emit('error', { code: INVALID_FRAME, error: parsed.error })
    applyServerFrame(this.#sink, parsed.value)
  }

  /** The auth reply: the session is open on this socket. */
  #adopt(ws: WebSocket, { userId = '', roomId = '', data }: AuthReply) {
    this.self = { userId, roomId, userName: data.userName, connectionId: data.connectionId }
    this.#resumeToken = data.resumeToken ?? null
    this.#graceMs = data.reconnectGraceMs ?? 0
    this.iceServers = data.iceServers ?? []
    this.limits = data.limits
    this.peers.clear()
    for (const p of data.peers) this.peers.set(p.userId, p)
    this.#attempts = this.#tokenRefusals = 0
    this.#lastError = null
    this.#stale?.close(1000)
    this.#stale = null
    const beat = this.#t.heartbeatMs
    if (beat > 0) this.#timers.beat = setInterval(() => this.#send({ type: 'heartbeat' }), beat)
    this.#arm(ws, this.#t.deadAfterMs)
    // Queued signals go first, then listeners hear of the open socket (and may send more).
    this.state = 'open'
    for (const frame of this.#queue.splice(0)) this.#send(frame)
    this.#setState({ state: 'open', resumed: data.resumed === true })
    this.#resolve(this)
  }

  /** The current socket ended (or was never made): reconnect, or close for good, as the close code says. */
  #lost(ws: WebSocket | null, code: number, reason?: string) {
    if (ws !== this.#ws || this.state === 'closed') return
    const wasOpen = this.state === 'open'
    this.#ws = null
    clearTimeout(this.#timers.dead)
    clearInterval(this.#timers.beat)
    if (wasOpen) {
      this.#droppedAt = Date.now()
      // Only a dropped socket leaves the session held for a resume; every other close ended it on the server.
      if (code !== 1006) this.#resumeToken = null
    }
    const action = this.#leaving ? 'stop' : closeAction(code)
    const refused = action === 'new-token' && (!this.#opts.getToken || this.#tokenRefusals++ > 0)
    if (action === 'stop' || refused) return this.#finish(code, this.#leaving ? 'left' : reason)
    const wait = code === 1006 && this.#attempts === 0 ? 0 : backoffDelay(this.#attempts, code, this.#opts.backoff)
    this.#attempts++
    this.#lastError = null
    this.#setState({ state: this.#resumable() ? 'resuming' : 'reconnecting', code, reason, delayMs: wait })
    this.#timers.retry = delay(wait, () => void this.#attempt())
  }

  /** The browser is back online: retry now instead of after the backoff, or check that an open socket still answers. */
  #wake() {
    const ws = this.#ws
    if (this.#timers.retry !== undefined) {
      clearTimeout(this.#timers.retry)
      void this.#attempt()
    } else if (ws && this.state === 'open') {
      this.#send({ type: 'heartbeat' })
      this.#arm(ws, PROBE_MS)
    }
  }

  #finish(code: number, reason?: string) {
    for (const t of Object.values(this.#timers)) clearTimeout(t)
    clearInterval(this.#timers.beat)
    globalThis.removeEventListener?.('online', this.#online)
    // A socket given up as dead may still be connected: closing it tells the server we are gone for good.
    this.#stale?.close(1000)
    this.#stale = null
    this.#queue = []
    this.peers.clear()
    const change: StateChange = { state: 'closed', code, reason }
    this.#setState(change)
    this.#reject(new ConnectError(reason ?? 'connection_closed', code))
    this.#settle(change)
  }

  #setState(change: StateChange) {
    this.state = change.state
    this.emit('state', change)
  }
}

/** Opens a session and resolves once it is open (it keeps itself open afterwards); rejects with ConnectError. */
export function connect(opts: ConnectOptions): Promise<Session> {
  return new Session(opts).ready
}
