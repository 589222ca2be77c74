/**
 * @module One Durable Object per room: the same core as on Node and Bun (createApp, memory store), holding only its
 * room's sockets, accepted for hibernation. The core is built on the first event after the object starts or wakes;
 * sockets it finds then are rebuilt from their attachments (src/signaling/restore.ts). Cleanup runs from the alarm;
 * once the room is gone and no socket is left, the alarm stops and the object may be evicted.
 */
import { DurableObject } from 'cloudflare:workers'
import type { WSEvents } from 'hono/ws'
import { createApp } from '../../app.js'
import { ConfigError } from '../../config.js'
import { errorResponse } from '../../errors.js'
import { randomId } from '../../lib/ids.js'
import { createLogger, type Logger } from '../../lib/logger.js'
import type { Timer } from '../../lib/scheduler.js'
import { connectionEvents, roomOfUrl } from '../../signaling/route.js'
import { restoreSockets } from '../../signaling/restore.js'
import { createMemoryBackend } from '../../storage/memory.js'
import type { RoomStore } from '../../storage/types.js'
import { AlarmScheduler } from './alarms.js'
import { workersConfig } from './config.js'
import { directoryAudit, directoryOf, directoryRateStore } from './directory.js'
import type { CfWebSocket, DurableObjectState } from './platform.js'
import { directoryRooms } from './room-store.js'
import { getConnInfo, HibernatingSockets, readAttachment, socketPort, upgradeWebSocket, WorkersSocket, WorkersSocketPort, type ObjectEnv } from './socket.js'
import type { WorkerEnv } from './worker-env.js'

interface RoomCore {
  core: ReturnType<typeof createApp>
  /** The room name this object told the directory it holds sockets for, if it did. */
  tracked: string | null
  scheduler: AlarmScheduler
  cleanup: Timer
  logger: Logger
}

const noEvents: WSEvents<WorkersSocket> = {}

const encoder = new TextEncoder()

/** A frame's size in bytes; a string short enough that it cannot pass `limit` even at 3 bytes a unit is not encoded. */
function byteLength(message: string | ArrayBuffer, limit: number): number {
  if (typeof message !== 'string') return message.byteLength
  return message.length * 3 <= limit ? message.length : encoder.encode(message).byteLength
}
const OPEN = 1

export class RoomObject extends DurableObject<WorkerEnv, DurableObjectState> {
  private room: Promise<RoomCore> | null = null
  private maxMessageBytes = Number.POSITIVE_INFINITY
  private readonly sockets = new HibernatingSockets((ws) => this.ctx.acceptWebSocket(ws))

  async fetch(request: Request): Promise<Response> {
    const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
    const name = upgrade ? roomOfUrl(new URL(request.url)) : null
    if (upgrade && !name) return errorResponse('room_required')
    let room: RoomCore
    try {
      room = await this.core()
    } catch (err) {
      if (err instanceof ConfigError) return errorResponse('not_configured', { status: 500, message: `Refusing to serve: ${err.message}` })
      throw err
    }
    // The fan-outs (stats, cleanup) must reach an object that holds sockets before its room exists.
    if (name && !room.tracked) {
      room.tracked = name
      await directoryOf(this.env.DIRECTORY).track(name)
    }
    const env: ObjectEnv = { sockets: this.sockets }
    return room.core.app.fetch(request, env)
  }

  async webSocketMessage(ws: CfWebSocket, message: string | ArrayBuffer) {
    const socket = await this.socketOf(ws)
    if (!socket) return
    // workerd delivers frames of up to 1 MiB; past MAX_MESSAGE_BYTES the transport closes with 1009, as on Node and Bun.
    if (byteLength(message, this.maxMessageBytes) > this.maxMessageBytes) {
      socket.events.onError?.(new ErrorEvent('error', { message: 'message too big' }), socket.ctx)
      socket.close(1009, 'Message too big')
      return
    }
    socket.events.onMessage?.({ data: message } as MessageEvent, socket.ctx)
  }

  async webSocketClose(ws: CfWebSocket, code: number, reason: string) {
    const socket = await this.socketOf(ws)
    this.sockets.delete(ws)
    socket?.events.onClose?.({ code, reason } as CloseEvent, socket.ctx)
    // Answers the client's close frame (a no-op when we closed first); workerd refuses to send 1005/1006, which only
    // describe how the connection ended.
    socket?.close(code === 1005 || code === 1006 ? 1000 : code)
  }

  async webSocketError(ws: CfWebSocket, error: unknown) {
    const socket = await this.socketOf(ws)
    socket?.events.onError?.(new ErrorEvent('error', { error }), socket.ctx)
  }

  async alarm() {
    ;(await this.core()).scheduler.fire()
  }

  private async socketOf(ws: CfWebSocket): Promise<WorkersSocket | undefined> {
    await this.core()
    return this.sockets.get(ws)
  }

  private core(): Promise<RoomCore> {
    return (this.room ??= this.build().catch((err: unknown) => {
      this.room = null
      throw err
    }))
  }

  private async build(): Promise<RoomCore> {
    const config = workersConfig(this.env)
    const logger = createLogger(config.logLevel)
    const instanceId = randomId()
    const dir = directoryOf(this.env.DIRECTORY)
    const memory = createMemoryBackend({ instanceId, auditCapacity: config.auditLogSize, logger })
    const backend = { ...memory, name: 'durable-object', rooms: directoryRooms(memory.rooms, dir), audit: directoryAudit(dir, config.auditLogSize) }
    const scheduler = new AlarmScheduler(this.ctx.storage, (err) => logger.warn('alarm task failed', { err }))
    const core = createApp({
      config,
      backend,
      scheduler,
      logger,
      instanceId,
      upgradeWebSocket,
      socketPort,
      getRemoteAddress: (c) => getConnInfo(c).remote.address ?? null,
      readMemory: () => null,
      gc: null,
      // hono-rate-limiter's MemoryStore holds an interval, which would keep the object from hibernating.
      rateLimitStore: (name) => directoryRateStore(dir, name),
    })
    await core.signaling.start()
    const cleanup: Timer = scheduler.every(config.cleanupIntervalMs, () => {
      this.sweep(core, memory.rooms, cleanup).catch((err: unknown) => logger.warn('cleanup failed', { err }))
    })
    await this.wake(core, backend.rooms, config.ws.messageBurst, logger)
    this.maxMessageBytes = config.ws.maxMessageBytes
    return { core, scheduler, cleanup, logger, tracked: null }
  }

  /** A cleanup pass; once no socket and no room is left, the alarm stops and the memory goes with the object. */
  private async sweep(core: RoomCore['core'], own: RoomStore, cleanup: Timer) {
    await core.runCleanup()
    if (core.signaling.registry.size > 0 || (await own.counts()).rooms > 0) return
    cleanup.cancel()
    const room = await this.room
    if (room?.tracked) await directoryOf(this.env.DIRECTORY).untrack(room.tracked)
    this.room = null
  }

  /** Rebuilds the sockets the object still holds (it woke from hibernation, or was restarted). */
  private async wake(core: RoomCore['core'], store: RoomStore, messageBurst: number, logger: Logger) {
    const held = this.ctx.getWebSockets().filter((ws) => !this.sockets.get(ws))
    if (held.length === 0) return
    const sockets = held.map((ws) => this.sockets.adopt(ws, noEvents))
    const sleeping = sockets.map((s) => ({ port: new WorkersSocketPort(s), ...readAttachment(s.ws) }))
    const conns = await restoreSockets({ signaling: core.signaling, store, clock: { now: () => Date.now() }, messageBurst }, sleeping)
    sockets.forEach((s, i) => {
      const conn = conns[i]!
      s.events = connectionEvents({ signaling: core.signaling, logger }, () => conn, conn) as WSEvents<WorkersSocket>
    })
    logger.info('room object woke', { sockets: sockets.length })
  }
}
