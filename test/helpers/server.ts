/** @module Starts the real Node server in process on an ephemeral loopback port, with test-friendly config. */
import { parseConfig } from '../../src/config.js'
import { createLogger, type Logger } from '../../src/lib/logger.js'
import { randomId } from '../../src/lib/ids.js'
import { systemScheduler } from '../../src/lib/scheduler.js'
import { createBackend } from '../../src/runtime/backend.js'
import { startNodeServer, type NodeServerOptions, type RunningServer } from '../../src/runtime/node/server.js'
import type { Backend } from '../../src/storage/types.js'
import { scanForTokens } from './leaks.js'

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'

/** Log lines captured from a test server (JSON strings), to assert nothing secret is logged. */
export interface TestServer extends RunningServer {
  http: string
  ws: string
  logs: string[]
  /** Mints a token through the HTTP API (development mode: open endpoint). */
  token(userId: string, roomId: string, userName?: string): Promise<string>
  /** Calls the HTTP API (admin routes are open in development without ADMIN_TOKEN); parses JSON bodies. */
  api(path: string, init?: RequestInit): Promise<{ status: number; body: any }>
}

export { freePort } from './net.js'

/**
 * Boots a server with `env` on top of test defaults (PORT=0, no second listener, loopback, silent
 * unless LOG_LEVEL is given). Close it with `await server.close()`.
 */
export async function startTestServer(env: Record<string, string | undefined> = {}, opts: NodeServerOptions = {}): Promise<TestServer> {
  const config = parseConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    SIGNALING_PORT: '0',
    AUTH_SECRET: TEST_SECRET,
    LOG_LEVEL: 'debug',
    TOKEN_RATE_LIMIT: '10000',
    ...env,
  })
  const logs: string[] = []
  const logger: Logger =
    opts.logger ??
    createLogger(config.logLevel, (line) => {
      scanForTokens('server log', line)
      logs.push(line)
    })
  // The helper owns the backend so that it can watch every audit entry for tokens.
  const instanceId = opts.instanceId ?? randomId()
  const own = opts.backend ? null : await createBackend(config, instanceId, logger, opts.scheduler ?? systemScheduler)
  const backend = watchAudit(opts.backend ?? own!)
  const running = await startNodeServer(config, { ...opts, instanceId, logger, backend })
  const http = `http://127.0.0.1:${running.port}`
  const stop = running.close
  return Object.assign(running, {
    close: async () => {
      await stop()
      await own?.close()
    },
    http,
    ws: `ws://127.0.0.1:${running.port}/ws`,
    logs,
    async token(userId: string, roomId: string, userName?: string) {
      const res = await fetch(`${http}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, roomId, ...(userName ? { userName } : {}) }),
      })
      if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { token: string }).token
    },
    async api(path: string, init?: RequestInit) {
      const res = await fetch(`${http}${path}`, init)
      const text = await res.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body }
    },
  })
}

/** The backend with every audit append scanned for tokens. */
function watchAudit(backend: Backend): Backend {
  const append = backend.audit.append.bind(backend.audit)
  const audit = { ...backend.audit, append: (event: Parameters<typeof append>[0]) => (scanForTokens('audit entry', JSON.stringify(event)), append(event)) }
  return { ...backend, audit }
}
