/**
 * @module The Workers entry (wrangler.toml `main`). The Worker serves the HTTP API from its own instance of the app
 * and sends each WebSocket, and each room's routes, to the object of its room (`/ws?room=ID` or `/ws/ID`, also `/?room=`).
 * What spans rooms goes to the directory object (audit trail, mint rate limit, MAX_ROOMS) or to every room object
 * (listing, stats, cleanup). The app is built on the first request: not at global scope, where workerd forbids
 * timers and random values.
 */
import { ConfigError } from '../../config.js'
import { errorResponse, nonWebSocketUpgrade } from '../../errors.js'
import { roomOfUrl } from '../../signaling/route.js'
import { isId } from '../../protocol/rules.js'
import { createWorkersCore } from './core.js'
import { fanOut, mergeCounters, mergeListings } from './fan-out.js'
import type { WorkerEnv } from './worker-env.js'

export { Directory } from './directory.js'
export { RoomObject } from './room-object.js'

const WS_PATHS = /^\/(ws(\/[^/]*)?)?$/
const ROOM_ROUTE = /^\/api\/rooms\/([^/]+)(\/.*)?$/

/** The Worker's app: HTTP only (it holds no socket); built once per isolate. */
function frontApp(env: WorkerEnv) {
  const { core, dir } = createWorkersCore(env)
  return { app: core.app, dir }
}

let front: ReturnType<typeof frontApp> | null = null

async function route(request: Request, env: WorkerEnv): Promise<Response> {
  const f = (front ??= frontApp(env))
  const url = new URL(request.url)
  const upgrade = request.headers.get('upgrade')
  if (upgrade !== null && upgrade.toLowerCase() !== 'websocket') return nonWebSocketUpgrade({ connection: 'close' })
  if (upgrade !== null && url.pathname === '/yjs') return errorResponse('not_configured', { message: 'The /yjs endpoint is not available on Workers' })
  if (upgrade !== null && WS_PATHS.test(url.pathname)) {
    const room = roomOfUrl(url)
    if (room === null) return errorResponse('room_required')
    if (room === undefined) return errorResponse('invalid_room')
    return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request)
  }
  const roomRoute = ROOM_ROUTE.exec(url.pathname)
  if (roomRoute && isId(roomRoute[1])) return env.ROOMS.get(env.ROOMS.idFromName(roomRoute[1]!)).fetch(request)
  const listing = request.method === 'GET' && (url.pathname === '/api/rooms' || url.pathname === '/api/stats')
  const cleanup = request.method === 'POST' && url.pathname === '/api/maintenance/cleanup'
  if (!listing && !cleanup) return f.app.fetch(request, env)
  const answer = await f.app.fetch(request.clone(), env)
  const merge = url.pathname === '/api/rooms' ? mergeListings : mergeCounters
  return fanOut(request, answer, await f.dir.objects(), env.ROOMS, merge)
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    try {
      return await route(request, env)
    } catch (err) {
      if (err instanceof ConfigError) return errorResponse('not_configured', { status: 500, message: `Refusing to serve: ${err.message}` })
      console.error(JSON.stringify({ level: 'error', msg: 'worker request failed', err: String(err) }))
      return errorResponse('internal_error')
    }
  },
}
