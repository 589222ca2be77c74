/**
 * @module The Redis client as this backend needs it: a structural type (ioredis fits it; the rest of the
 * backend never imports a client library), the connection policy, and the Lua script runner.
 */
import { SCRIPTS, type ScriptName } from './redis-scripts.js'
import { StoreError } from './types.js'
import type { Scheduler, Timer } from '../lib/scheduler.js'

export type RedisArg = string | number

/** The subset of an ioredis client the backend uses. */
export interface RedisClientLike {
  readonly status: string
  call(command: string, ...args: RedisArg[]): Promise<unknown>
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void
  ssubscribe(...channels: string[]): Promise<unknown>
  sunsubscribe(...channels: string[]): Promise<unknown>
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  connect(): Promise<void>
  quit(): Promise<unknown>
  disconnect(): void
}

export interface ConnectionPolicy {
  instanceId: string
  /** Bound on every command, so a stalled Redis cannot hang a caller. */
  commandTimeoutMs: number
  connectTimeoutMs: number
}

/** Reconnect forever, quickly at first and then once a second. */
export const retryStrategy = (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), 1000)

/**
 * The command connection fails fast while Redis is away: no offline queue (memory stays bounded), in-flight
 * commands are failed rather than resent when the connection drops (a resent join could apply twice), and every
 * command has a timeout. Callers see StoreError at once, and the hub turns a failed relay into an `error` frame.
 */
export function commandOptions(p: ConnectionPolicy) {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    commandTimeout: p.commandTimeoutMs,
    connectTimeout: p.connectTimeoutMs,
    retryStrategy,
    connectionName: `octp2p-cmd-${p.instanceId}`,
  }
}

/**
 * The subscriber keeps its (small) queue of SUBSCRIBE commands across a reconnect and re-subscribes by itself
 * (ioredis autoResubscribe), so a room joined while it reconnects is still subscribed afterwards.
 */
export function subscriberOptions(p: ConnectionPolicy) {
  return {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    commandTimeout: undefined,
    enableAutoPipelining: false,
    connectionName: `octp2p-sub-${p.instanceId}`,
  }
}

/** Removes credentials from a Redis URL for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    if (u.username) u.username = '***'
    return u.toString()
  } catch {
    return 'redis://(unparseable url)'
  }
}

export type ScriptRunner = (name: ScriptName, keys: readonly string[], args: readonly RedisArg[]) => Promise<unknown>

/** Registers every script (EVALSHA, falling back to EVAL once per connection) and returns a runner for them. */
export function defineScripts(client: RedisClientLike): ScriptRunner {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition)
  return async (name, keys, args) => {
    const fn: unknown = Reflect.get(client, name)
    if (typeof fn !== 'function') throw new StoreError(`Redis script ${name} is not defined`)
    const result: unknown = await fn.apply(client, [...keys, ...args])
    return result
  }
}

/** Rejects with StoreError when `promise` takes longer than `ms` on `scheduler`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, scheduler: Scheduler): Promise<T> {
  let timer: Timer | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = scheduler.after(ms, () => reject(new StoreError(`${what} timed out after ${ms} ms`)))
  })
  return Promise.race([promise, timeout]).finally(() => timer?.cancel())
}

/** Wraps an infrastructure failure in StoreError (with the original as `cause`). */
export function storeError(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err
  const detail = err instanceof Error ? err.message : String(err)
  return new StoreError(`Redis ${what} failed: ${detail}`, { cause: err })
}
