/**
 * @module The suite-wide token check can fail (it catches a leak wherever a server reports one), and the logger itself
 * writes no JWT whatever field or message carries it. The check itself runs after every test file
 * (test/setup/token-leaks.ts).
 */
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/lib/logger.js'
import { clearTokenLeaks, scanForTokens, tokenLeaks } from '../helpers/leaks.js'
import { startTestServer } from '../helpers/server.js'
import { TestClient } from '../helpers/ws-client.js'

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl'

describe('the token leak check', () => {
  it('records a token in any server channel, and only tokens', () => {
    const before = tokenLeaks().length
    scanForTokens('test channel', `{"msg":"oops","detail":"Bearer ${TOKEN}"}`)
    scanForTokens('test channel', '{"msg":"fine","userId":"alice"}')
    expect(tokenLeaks().slice(before)).toEqual([expect.stringContaining('test channel')])
    clearTokenLeaks()
  })

  it('the logger redacts a JWT in a message, a field of any name, a nested value or an error', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    log.info(`refused ${TOKEN}`, { query: `/ws?token=${TOKEN}`, nested: { value: TOKEN }, err: new Error(`bad ${TOKEN}`) })
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('eyJ')
    expect(lines[0]).toContain('[redacted token]')
  })

  it('a server handling real, forged and garbled tokens logs and audits none of them (debug logs on)', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'debug' })
    try {
      const token = await server.token('alice', 'leak-check')
      const { client, reply } = await TestClient.join(server.ws, token)
      const resumed = await TestClient.open(server.ws)
      resumed.send({ type: 'auth', data: { token, resumeToken: reply.data?.resumeToken } })
      expect((await resumed.next('auth')).data?.resumed).toBe(true)
      await client.waitClose()
      const replay = await TestClient.open(server.ws)
      replay.send({ type: 'auth', data: { token } })
      await replay.waitClose()
      const forged = await TestClient.open(server.ws)
      forged.send({ type: 'auth', userId: 'mallory', data: { token: TOKEN } })
      await forged.waitClose()
      await server.api('/api/rooms/leak-check/join', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' })
      await resumed.close()
      const audit = JSON.stringify((await server.api('/api/audit?limit=1000')).body)
      expect(audit).not.toMatch(/eyJ[\w-]+\.eyJ/)
      expect(server.logs.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ/)
      expect(server.logs.length).toBeGreaterThan(5)
    } finally {
      await server.close()
    }
  })
})
