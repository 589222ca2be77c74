/**
 * @module Live rooms for fault tests: peers joined on given instances (kept for teardown), and relay probes (every relay
 * either arrives or earns its sender an error, never vanishes).
 */
import { expect } from 'vitest'
import { eventually, type Instance } from './redis.js'
import { TestClient } from './ws-client.js'

/** A join function that keeps every client it opens in `clients` (terminate them after the tests). */
export function joiner(clients: TestClient[]) {
  return async (on: Instance, userId: string, roomId: string) => {
    const { client } = await TestClient.join(on.ws, await on.token(userId, roomId))
    clients.push(client)
    return client
  }
}

/**
 * Sends numbered ICE candidates until one arrives and returns how many were refused first; each attempt must arrive
 * or get the sender `relay_failed`, within `outcomeMs` (a command to a failed Redis node takes its timeout to fail).
 */
export async function relayResumes(from: TestClient, to: TestClient, target: string, tag: string, outcomeMs = 3000): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const candidate = `${tag}:${i}`
    const errorsBefore = from.all('error').length
    from.send({ type: 'ice-candidate', targetUserId: target, data: { candidate } })
    const outcome = await eventually(async () => {
      if (to.all('ice-candidate').some((f) => f.data?.candidate === candidate)) return 'delivered'
      return from.all('error').length > errorsBefore ? 'refused' : undefined
    }, outcomeMs, `an outcome for ${candidate}`)
    if (outcome === 'delivered') return i
    expect(from.all('error').at(-1)?.data?.code).toBe('relay_failed')
  }
  throw new Error('relay did not resume')
}
