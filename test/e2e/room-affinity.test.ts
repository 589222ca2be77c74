/**
 * @module Room affinity through a real nginx with deploy/nginx/room-affinity.conf (only its addresses replaced): two
 * instances on one Redis behind it, peers connecting to /ws?room=<id>. Every room's peers land on one instance (its
 * joins in the shared audit trail all name one instance), the rooms spread over both, and relays between them work.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, eventually, freePort, randomPrefix, startInstance, type Instance } from '../helpers/redis.js'
import { need, REDIS_URL, redisAvailable, tcpReachable } from '../helpers/requirements.js'
import { TestClient } from '../helpers/ws-client.js'

const NGINX = '/usr/sbin/nginx'
const nginxThere = spawnSync(NGINX, ['-v']).status === 0
const available =
  need('nginx', nginxThere, 'apt-get install nginx (.ci/run does)') &&
  need('Redis', await redisAvailable(), `nothing listens at ${REDIS_URL}; start redis-server (see .ci/run)`)

/** The shipped config, pointed at the test's instances and port. */
function config(dir: string, port: number, upstreams: number[]): string {
  const shipped = readFileSync('deploy/nginx/room-affinity.conf', 'utf8')
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')
  const site = shipped.replace(/(    server 10\.0\.0\.\d+:3000;\n)+/g, `${servers}\n`).replace('listen 80;', `listen 127.0.0.1:${port};`)
  writeFileSync(join(dir, 'site.conf'), site)
  return [
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    'error_log stderr error;',
    'events {}',
    `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; include ${dir}/site.conf; }`,
  ].join('\n')
}

describe.skipIf(!available)('room affinity behind nginx (hash $arg_room consistent)', () => {
  const prefix = randomPrefix('affinity')
  let A: Instance
  let B: Instance
  let nginx: ChildProcess | null = null
  let port = 0
  const dir = mkdtempSync(join(tmpdir(), 'octp2p-nginx-'))
  const clients: TestClient[] = []

  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix }
    ;[A, B] = await Promise.all([startInstance(env, { bundled: true }), startInstance(env, { bundled: true })])
    port = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port, [A.port, B.port]))
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
    await eventually(async () => tcpReachable('127.0.0.1', port, 200), 10_000, 'nginx to listen')
  })
  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    nginx?.kill('SIGTERM')
    await Promise.all([A?.stop(), B?.stop()])
    await deleteKeys(REDIS_URL, prefix)
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends every peer of a room to one instance and spreads the rooms over both', async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => `affine-${i}`)
    for (const roomId of rooms) {
      for (const userId of ['ann', 'ben', 'cat']) {
        const { client } = await TestClient.join(`ws://127.0.0.1:${port}/ws?room=${roomId}`, await A.token(userId, roomId))
        clients.push(client)
      }
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/audit?limit=200`)
    const { events } = (await res.json()) as { events: { event: string; roomId: string | null; instanceId: string }[] }
    const holders = new Map<string, Set<string>>()
    for (const e of events) if (e.event === 'join' && e.roomId) holders.set(e.roomId, (holders.get(e.roomId) ?? new Set()).add(e.instanceId))
    expect([...holders.keys()].sort()).toEqual([...rooms].sort())
    for (const [, instances] of holders) expect(instances.size).toBe(1)
    expect(new Set([...holders.values()].map((s) => [...s][0])).size).toBe(2)
    // A relay inside an affine room stays on its instance and arrives.
    const [ann, ben] = clients
    ann?.send({ type: 'ice-candidate', targetUserId: 'ben', data: { candidate: 'affine' } })
    expect((await ben?.next('ice-candidate'))?.data?.candidate).toBe('affine')
  })
})
