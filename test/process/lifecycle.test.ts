/** @module The real Node process: forced GC behind --expose-gc with a rate limit, and a graceful SIGTERM drain. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/server.js'
import { JWT_PATTERN, PROD_SECRET, postJson, request } from '../helpers/http.js'
import { spawnServer, type ServerProcess } from '../helpers/process.js'
import { TestClient } from '../helpers/ws-client.js'

describe('node process with --expose-gc', () => {
  let proc: ServerProcess
  let http: string
  let port: number
  beforeAll(async () => {
    port = await freePort()
    proc = spawnServer({ PORT: String(port), NODE_ENV: 'development', AUTH_SECRET: PROD_SECRET, LOG_LEVEL: 'info' }, ['--expose-gc'])
    const ready = await proc.waitFor(/^READY/)
    expect(ready).toContain(String(port))
    http = `http://127.0.0.1:${port}`
  })
  afterAll(async () => {
    await proc.stop()
    expect(proc.stdout() + proc.stderr()).not.toMatch(JWT_PATTERN)
  })

  it('runs a forced GC and reports memory before and after', async () => {
    const res = await request(`${http}/api/maintenance/gc`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      before: { heapUsedMb: expect.any(Number), rssMb: expect.any(Number) },
      after: { heapUsedMb: expect.any(Number), rssMb: expect.any(Number) },
      timestamp: expect.any(Number),
    })
  })

  it('refuses a second GC within 10 s with 429 and Retry-After', async () => {
    const res = await request(`${http}/api/maintenance/gc`, { method: 'POST' })
    expect(res.status).toBe(429)
    expect(res.json).toMatchObject({ code: 'rate_limited' })
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('drains on SIGTERM: the peer gets close 1001 and the process exits 0 within 10 s', async () => {
    const minted = await postJson(`${http}/api/auth/token`, { userId: 'alice', roomId: 'doc-123' })
    expect(minted.status).toBe(200)
    const { client, reply } = await TestClient.join(`ws://127.0.0.1:${port}/ws`, minted.json.token)
    expect(reply.data?.status).toBe('authenticated')
    const started = Date.now()
    proc.child.kill('SIGTERM')
    expect((await client.waitClose(10_000)).code).toBe(1001)
    const exit = await proc.exited(10_000)
    expect(exit).toEqual({ code: 0, signal: null })
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
