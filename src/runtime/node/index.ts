/**
 * @module The Node runtime adapter. Every runtime folder (node, bun, workers) exports these names: Hono's
 * `upgradeWebSocket`, `getConnInfo`, the core's `socketPort`, and `start`.
 */
export { getConnInfo } from '@hono/node-server/conninfo'
export { upgradeWebSocket } from './upgrade.js'
export { socketPort } from './socket-port.js'
export { startNodeServer as start, type NodeServerOptions, type RunningServer } from './server.js'
