/**
 * @module The Bun runtime adapter: the same names as src/runtime/node and src/runtime/workers (`upgradeWebSocket`,
 * `getConnInfo`, `socketPort`, `start`), plus the `websocket` handlers Bun.serve needs beside `fetch`.
 */
export { getConnInfo, upgradeWebSocket, websocketHandlers } from './upgrade.js'
export { socketPort } from './socket-port.js'
export { startBunServer as start } from './server.js'
