/**
 * The deployable artifacts stand alone: each server bundle, copied into an empty folder (no node_modules, no source),
 * serves /api/health and authenticates a socket; the core and the Worker bundle for a neutral platform (no node:*);
 * and render.yaml's build and start commands work in a clean copy of the working tree, as Render runs them.
 */
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCommand, type ServerProcess } from '../helpers/process.js'
import { BUN_PATH, bunAvailable, need } from '../helpers/requirements.js'
import { TEST_SECRET } from '../helpers/server.js'
import { workerBundle } from '../helpers/workers.js'
import { TestClient } from '../helpers/ws-client.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENV = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', SIGNALING_PORT: '0', AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' }
const tmp: string[] = []
const folder = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tmp.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true })
})

/** Waits for READY, then checks /api/health and a socket's auth on the port it printed; stops the process. */
async function serves(server: ServerProcess, issuerKey?: string) {
  try {
    const port = Number(/READY http\+ws on (\d+)/.exec(await server.waitFor(/^READY/, 30_000))?.[1])
    const health = await fetch(`http://127.0.0.1:${port}/api/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok' })
    const minted = await fetch(`http://127.0.0.1:${port}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...(issuerKey ? { authorization: `Bearer ${issuerKey}` } : {}) }, body: JSON.stringify({ userId: 'alice', roomId: 'doc-123' }) })
    const { token } = (await minted.json()) as { token: string }
    const client = await TestClient.open(`ws://127.0.0.1:${port}/ws?room=doc-123`)
    client.send({ type: 'auth', data: { token } })
    expect(await client.next()).toMatchObject({ type: 'auth', data: { status: 'authenticated' } })
    await client.close()
  } finally {
    await server.stop()
  }
}

describe('bundles that stand alone', () => {
  let built: string
  beforeAll(() => {
    built = folder('octp2p-bundles-')
    execFileSync(process.execPath, ['bundles/build.mjs', built], { cwd: ROOT, stdio: 'pipe' })
  }, 60_000)

  it('the Node bundle, alone in an empty folder, serves /api/health and authenticates a socket', async () => {
    const alone = folder('octp2p-node-alone-')
    copyFileSync(join(built, 'node.mjs'), join(alone, 'node.mjs'))
    await serves(spawnCommand(process.execPath, ['node.mjs'], ENV, alone))
  })

  it.skipIf(!need('Bun', bunAvailable(), `${BUN_PATH} is missing; run npm install`))('the Bun bundle, alone in an empty folder, does the same', async () => {
    const alone = folder('octp2p-bun-alone-')
    copyFileSync(join(built, 'bun.js'), join(alone, 'bun.js'))
    await serves(spawnCommand(join(ROOT, BUN_PATH), ['bun.js'], ENV, alone))
  })
})

describe('portability', () => {
  it('bundles src/app.ts and the Worker for a neutral platform (no node:* import)', async () => {
    const app = await build({ absWorkingDir: ROOT, entryPoints: ['src/app.ts'], bundle: true, write: false, platform: 'neutral', format: 'esm', mainFields: ['module', 'main'], logLevel: 'silent' })
    expect(app.errors).toEqual([])
    expect(await workerBundle()).not.toMatch(/from\s*["']node:/)
  })
})

describe("render.yaml's commands in a clean copy", () => {
  const render = readFileSync(join(ROOT, 'render.yaml'), 'utf8')
  const command = (key: string) => /^\s*(\S+): (.+)$/gm.exec(render.split('\n').find((l) => l.trim().startsWith(`${key}:`)) ?? '')?.[2] ?? ''

  it('builds with buildCommand (production install) and serves with startCommand', async () => {
    const copy = folder('octp2p-render-')
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true })
      copyFileSync(join(ROOT, f), join(copy, f))
    }
    // Render sets NODE_ENV=production for the build too: npm ci leaves out the dev dependencies.
    const renderEnv = { NODE_ENV: 'production', npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' }
    const buildCommand = command('buildCommand')
    expect(buildCommand).toBe('npm ci && npm run build')
    const building = spawnCommand('sh', ['-c', buildCommand], renderEnv, copy)
    expect((await building.exited(240_000)).code, building.stderr()).toBe(0)
    const start = command('startCommand').split(' ')
    const issuerKey = randomBytes(24).toString('base64url')
    const production = { TOKEN_ISSUER_KEY: issuerKey, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', SIGNALING_PORT: '0', TRUST_PROXY: '1', AUTH_SECRET: randomBytes(32).toString('base64'), CORS_ORIGINS: 'https://app.example', LOG_LEVEL: 'warn' }
    await serves(spawnCommand(start[0] === 'node' ? process.execPath : start[0]!, start.slice(1), production, copy), issuerKey)
  }, 300_000)
})
