#!/usr/bin/env node
/**
 * `npm run dev:worker`: wrangler dev on 127.0.0.1 (PORT, default 8787), offline: no Request.cf fetch, no telemetry.
 * The first run writes .dev.vars (git-ignored) with NODE_ENV=development and a random AUTH_SECRET, which the Worker
 * requires; edit it to set other variables. SIGTERM/SIGINT reach wrangler itself, which stops its workerd children.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'

if (!existsSync('.dev.vars')) {
  writeFileSync('.dev.vars', `NODE_ENV=development\nAUTH_SECRET=${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
  console.log('wrote .dev.vars (NODE_ENV=development, a random AUTH_SECRET)')
}
const port = process.env.PORT ?? '8787'
const child = spawn('node_modules/.bin/wrangler', ['dev', '--ip', '127.0.0.1', '--port', port, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
