/**
 * @module The Workers runtime adapter: the same names as src/runtime/node and src/runtime/bun (`upgradeWebSocket`,
 * `getConnInfo`, `socketPort`, `start`). `start` is the Worker's fetch handler; worker.ts is the wrangler entry,
 * which also exports the two Durable Object classes.
 */
export { getConnInfo, socketPort, upgradeWebSocket } from './socket.js'
export { default as start } from './worker.js'
