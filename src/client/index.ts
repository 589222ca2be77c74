/**
 * @module Browser client for the OctateCode signaling server: `connect()` opens a self-healing session to a room,
 * `createMesh()` builds WebRTC data channels to every peer over it. No zod and no other dependency.
 */
export { backoffDelay, closeAction, type BackoffOptions, type CloseAction } from './close-codes.js'
export { INVALID_FRAME, parseServerFrame, type Signal } from './checks.js'
export { createMesh, Mesh, type MeshEvents, type MeshOptions, type Route } from './mesh.js'
export {
  connect,
  ConnectError,
  Session,
  type ConnectOptions,
  type SessionEvents,
  type SessionState,
  type SignalingError,
  type StateChange,
} from './session.js'
export type { IceServer, PeerInfo } from '../protocol/server-messages.js'
