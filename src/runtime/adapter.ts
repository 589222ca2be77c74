/** @module What every runtime folder exports for the core (the same names on Node, Bun and Workers), and what createApp takes from it. */
import type { Context } from 'hono'
import type { ConnInfo } from 'hono/conninfo'
import type { AppDeps } from '../env.js'

export interface RuntimeAdapter {
  upgradeWebSocket: AppDeps['upgradeWebSocket']
  socketPort: AppDeps['socketPort']
  getConnInfo(c: Context): ConnInfo
}

/** The createApp dependencies a runtime adapter provides. */
export const adapterDeps = (a: RuntimeAdapter): Pick<AppDeps, 'upgradeWebSocket' | 'socketPort' | 'getRemoteAddress'> => ({
  upgradeWebSocket: a.upgradeWebSocket,
  socketPort: a.socketPort,
  getRemoteAddress: (c) => a.getConnInfo(c).remote.address ?? null,
})
