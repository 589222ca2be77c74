/** @module Cold start: spawn of the plain command (bundle, no bench preload) to the first HTTP 200 on its health path. */
import { startServer, type ServerKind } from '../lib/servers.js'
import type { Ctx, RunResult } from './context.js'

export async function cold(ctx: Ctx, kind: ServerKind): Promise<RunResult> {
  const srv = await startServer(kind, { secrets: ctx.secrets, plain: true })
  const rssMb = srv.rss() / 2 ** 20
  await srv.stop()
  return { metrics: { coldStartMs: srv.coldStartMs, startRssMb: rssMb }, notes: [] }
}
