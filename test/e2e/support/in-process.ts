/**
 * @module Steps for the Node-only end-to-end tests that run the server in this process and reach into it (gated store
 * calls, socket counts). The scenario suite does not use these: it sees a server only as a client does.
 */
import { expect } from 'vitest'
import type { TestServer } from '../../helpers/server.js'
import { TestClient } from '../../helpers/ws-client.js'
import { until } from './scenario.js'

/** Joins users one after another, each waiting for its auth reply; returns the clients by user id. */
export async function joinAll<const U extends string>(
  server: TestServer,
  roomId: string,
  userIds: readonly U[],
  url = server.ws,
): Promise<Record<U, TestClient>> {
  const out = {} as Record<U, TestClient>
  for (const userId of userIds) {
    const { client } = await TestClient.join(url, await server.token(userId, roomId), { userId, roomId })
    // Earlier peers see this one arrive; consume that so later assertions start clean.
    for (const earlier of Object.values<TestClient>(out)) expect((await earlier.next('peer-joined')).userId).toBe(userId)
    out[userId] = client
  }
  return out
}

/** Waits until the server has processed closes down to `n` open sockets (its close handlers ran). */
export const settled = (server: TestServer, n: number) => until(() => server.sockets.size === n, `${n} sockets remain`)

/** A one-shot gate for a wrapped store call: `hold()` inside the call, `held` for the test, `release()` to let it go on. */
export function gate() {
  let signal: () => void = () => undefined
  let open: () => void = () => undefined
  const held = new Promise<void>((resolve) => (signal = resolve))
  const released = new Promise<void>((resolve) => (open = resolve))
  return {
    held,
    release: () => open(),
    async hold() {
      signal()
      await released
    },
  }
}
