/** @module Browser client for the OctateCode signaling server: `connect()` to a room, then `createMesh()` for WebRTC data channels. */
export { backoffDelay, closeAction, type BackoffOptions, type CloseAction } from './close-codes.js'
export { connect, ConnectError, type ConnectOptions } from './connect.js'
export { INVALID_FRAME, parseServerFrame, type Signal } from './frames.js'
export { createMesh, type Mesh, type MeshOptions } from './mesh.js'
export {
  SignalingClient,
  type ClientEvents,
  type CloseInfo,
  type SignalingError,
  type PeerJoined,
  type SelfInfo,
} from './signaling-client.js'
export type { PeerInfo } from '../protocol/server-messages.js'
