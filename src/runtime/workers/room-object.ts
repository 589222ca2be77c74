/**
 * @module One Durable Object per room: the same core as on Node and Bun (createApp, memory store), holding only its
 * room's sockets, accepted for hibernation. The core is built on the first event after the object starts or wakes;
 * sockets it finds then are rebuilt from their attachments (src/signaling/restore.ts). Cleanup runs from the alarm;
 * once the room is gone and no socket is left, the alarm stops and the object may be evicted.
 */
import { DurableObject } from 'cloudflare:workers'
import type { WSEvents } from 'hono/ws'
import type { App } from '../../app.js'
import { ConfigError } from '../../config.js'
import { errorResponse } from '../../errors.js'
import type { Logger } from '../../lib/logger.js'
import type { Timer } from '../../lib/scheduler.js'
import { connectionEvents, roomOfUrl } from '../../signaling/route.js'
import { restoreSockets } from '../../signaling/restore.js'
import type { RoomStore } from '../../storage/types.js'
import { AlarmScheduler } from './alarms.js'
import { createWorkersCore } from './core.js'
import { directoryOf } from './directory.js'
import type { CfWebSocket, DurableObjectState } from './platform.js'
import { HibernatingSockets, readAttachment, WorkersSocketPort, type ObjectEnv, type WorkersSocket } from './socket.js'
import type { WorkerEnv } from './worker-env.js'

interface RoomCore {
  core: App
  /** The room name this object told the directory it holds sockets for, if it did. */
  tracked: string | null
  scheduler: AlarmScheduler
  cleanup: Timer
  logger: Logger
}

const noEvents: WSEvents<WorkersSocket> = {}
/** Storage key of the room name the object serves (what it registered in the directory). */
const NAME_KEY = 'name'

const encoder = new TextEncoder()

/** A frame's size in bytes; a string short enough that it cannot pass `limit` even at 3 bytes a unit is not encoded. */
function byteLength(message: string | ArrayBuffer, limit: number): number {
  if (typeof message !== 'string') return message.byteLength
  return message.length * 3 <= limit ? message.length : encoder.encode(message).byteLength
}

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
      await Promise.all([directoryOf(this.env.DIRECTORY).track(name), this.ctx.storage.put(NAME_KEY, name)])
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
    let log: Logger | null = null
    const scheduler = new AlarmScheduler(this.ctx.storage, (err) => log?.warn('alarm task failed', { err }))
    const { core, config, logger, memory, backend } = createWorkersCore(this.env, { roomObject: { scheduler } })
    log = logger
    await core.signaling.start()
    const cleanup: Timer = scheduler.every(config.cleanupIntervalMs, () => {
      this.sweep(core, memory.rooms, cleanup).catch((err: unknown) => logger.warn('cleanup failed', { err }))
    })
    await this.wake(core, backend.rooms, config.ws.messageBurst, logger)
    this.maxMessageBytes = config.ws.maxMessageBytes
    return { core, scheduler, cleanup, logger, tracked: null }
  }

  /**
   * A cleanup pass; once no socket and no room is left, the alarm stops and the memory goes with the object. An object
   * woken by its alarm after an eviction starts with an empty store: the room it held in the directory is released
   * here, or it would count against MAX_ROOMS for ever.
   */
  private async sweep(core: RoomCore['core'], own: RoomStore, cleanup: Timer) {
    await core.runCleanup()
    if (core.signaling.registry.size > 0 || (await own.counts()).rooms > 0) return
    cleanup.cancel()
    const name = (await this.room)?.tracked ?? (await this.ctx.storage.get<string>(NAME_KEY))
    this.room = null
    if (!name) return
    const dir = directoryOf(this.env.DIRECTORY)
    await Promise.all([dir.untrack(name), dir.release(name), this.ctx.storage.delete(NAME_KEY)])
  }

  /** Rebuilds the sockets the object still holds (it woke from hibernation, or was restarted). */
  private async wake(core: RoomCore['core'], store: RoomStore, messageBurst: number, logger: Logger) {
    const held = this.ctx.getWebSockets().filter((ws) => !this.sockets.get(ws))
    if (held.length === 0) return
    const sockets = held.map((ws) => this.sockets.adopt(ws, noEvents))
    const sleeping = sockets.map((s) => ({ port: new WorkersSocketPort(s.ctx), ...readAttachment(s.ws) }))
    const conns = await restoreSockets({ signaling: core.signaling, store, clock: { now: () => Date.now() }, messageBurst }, sleeping)
    sockets.forEach((s, i) => {
      const conn = conns[i]!
      s.events = connectionEvents({ signaling: core.signaling, logger }, () => conn, conn) as WSEvents<WorkersSocket>
    })
    logger.info('room object woke', { sockets: sockets.length })
  }
}
