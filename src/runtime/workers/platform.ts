/**
 * @module What we use of the Workers platform, described by its shape (as bun/upgrade.ts does for Bun): the project
 * type-checks against the DOM and Node libraries, which @cloudflare/workers-types would replace wholesale.
 */

/** A workerd WebSocket: the DOM one plus the hibernation attachment. */
export interface CfWebSocket {
  readonly readyState: number
  send(data: string | ArrayBuffer): void
  close(code?: number, reason?: string): void
  /** At most 2,048 bytes of structured-clonable data kept across hibernation. */
  serializeAttachment(value: unknown): void
  deserializeAttachment(): unknown
}

export interface DurableObjectStorage {
  get<T>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<boolean>
  list<T>(options?: { prefix?: string }): Promise<Map<string, T>>
  getAlarm(): Promise<number | null>
  setAlarm(scheduledTime: number): Promise<void>
  deleteAlarm(): Promise<void>
}

export interface DurableObjectState {
  readonly id: { toString(): string; readonly name?: string }
  readonly storage: DurableObjectStorage
  acceptWebSocket(ws: CfWebSocket, tags?: string[]): void
  getWebSockets(tag?: string): CfWebSocket[]
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>
}

export interface DurableObjectStub {
  fetch(request: Request): Promise<Response>
}

export interface DurableObjectNamespace<Stub = DurableObjectStub> {
  idFromName(name: string): unknown
  get(id: unknown): Stub
}

declare const WebSocketPair: { new (): { 0: CfWebSocket; 1: CfWebSocket } }

/** A client/server socket pair; the server end is accepted by the object, the client end goes back in the 101. */
export function socketPair(): [client: CfWebSocket, server: CfWebSocket] {
  const pair = new WebSocketPair()
  return [pair[0], pair[1]]
}

/** The 101 response that hands the client end of a pair back (workerd's ResponseInit has `webSocket`). */
export const switchingProtocols = (client: CfWebSocket): Response => new Response(null, { status: 101, webSocket: client } as ResponseInit)
