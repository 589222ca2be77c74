/**
 * @module The floor under our HTTP figures: server CPU per keep-alive request of a bare `node:http` server that
 * answers a health-sized JSON body, next to ours (bundles/node.mjs, production settings) on GET /api/health and
 * POST /api/auth/token, driven by the same client (fetch, 8 in flight). Usage: node test/bench/experiments/http-floor.mjs
 * [requests]. Server CPU is read from /proc/<pid>/stat (user + system), so it runs on Linux only.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const N = Number(process.argv[2] ?? 5000)
const BARE = `require('node:http').createServer((req, res) => { req.resume(); const b = JSON.stringify({ status: 'ok', memory: { status: 'normal' }, timestamp: Date.now() }); res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) }); res.end(b) }).listen(Number(process.env.PORT), '127.0.0.1')`
const secrets = { AUTH_SECRET: randomBytes(32).toString('hex'), TOKEN_ISSUER_KEY: randomBytes(24).toString('hex'), ADMIN_TOKEN: randomBytes(24).toString('hex') }

const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

async function start(args, port, env) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, PORT: String(port), ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/api/health`).then(() => true, () => false)
    if (up) return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server on ${port} did not start`)
}

async function perRequest(pid, one) {
  for (let i = 0; i < 300; i++) await one(i)
  const before = cpuMs(pid)
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < N) await one(next++)
  }))
  return ((cpuMs(pid) - before) * 1000) / N
}

const get = (port) => async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).text()
const mint = (port) => async (i) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.TOKEN_ISSUER_KEY}` }, body: JSON.stringify({ userId: `u${i}`, roomId: 'floor' }) })
  if (res.status !== 200) throw new Error(`mint ${res.status}`)
  return res.text()
}

const bare = await start(['-e', BARE], 39201, {})
const oursEnv = { ...secrets, NODE_ENV: 'production', HOST: '127.0.0.1', SIGNALING_PORT: '0', CORS_ORIGINS: 'https://floor.invalid', LOG_LEVEL: 'warn', TOKEN_RATE_LIMIT: '1000000' }
const ours = await start([fileURLToPath(new URL('../../../bundles/node.mjs', import.meta.url))], 39202, oursEnv)
try {
  const rows = [
    ['bare node:http, GET (floor)', await perRequest(bare.pid, get(39201))],
    ['ours, GET /api/health', await perRequest(ours.pid, get(39202))],
    ['ours, POST /api/auth/token', await perRequest(ours.pid, mint(39202))],
  ]
  for (const [name, us] of rows) console.log(`${name.padEnd(30)} ${us.toFixed(0).padStart(5)} µs server CPU per request (${N} requests, keep-alive, 8 in flight)`)
} finally {
  bare.kill()
  ours.kill()
}
