/** @module A failing store behind a route: 500 JSON without internals for the client, the stack in the log only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryBackend } from '../../src/storage/memory.js'
import type { Backend } from '../../src/storage/types.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { itLogsNoJwt, request } from '../helpers/http.js'

const INTERNAL = 'store exploded at /srv/internal/path.ts'

/** A memory backend whose room listing, counts and health check fail like an unreachable store. */
function brokenBackend(): Backend {
  const backend = createMemoryBackend({ instanceId: 'broken' })
  const explode = async (): Promise<never> => {
    throw new Error(INTERNAL)
  }
  return {
    ...backend,
    rooms: { ...backend.rooms, listRooms: explode, counts: explode },
    health: async () => ({ ok: false, detail: INTERNAL }),
  }
}

describe('internal errors', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { backend: brokenBackend() })
  })
  afterAll(async () => {
    await server.close()
  })

  it.each(['/api/rooms', '/api/stats'])('answers GET %s with 500 internal_error and no internals', async (path) => {
    const res = await request(`${server.http}${path}`)
    expect(res.status).toBe(500)
    expect(res.json).toEqual({ error: 'Internal server error', code: 'internal_error' })
    expect(res.text).not.toContain('exploded')
    expect(res.text).not.toMatch(/\.ts|\bat\s/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('logs the error with its stack', () => {
    const line = server.logs.find((l) => l.includes('unhandled error') && l.includes('exploded'))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({ level: 'error', path: expect.stringMatching(/^\/api\/(rooms|stats)$/), err: { stack: expect.any(String) } })
  })

  it('reports a degraded store in health without its detail', async () => {
    const res = await request(`${server.http}/api/health`)
    expect(res.json).toMatchObject({ status: 'degraded', storage: { ok: false } })
    expect(res.text).not.toContain('exploded')
  })

  itLogsNoJwt(() => [server])
})
