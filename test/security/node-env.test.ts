/**
 * @module Issue 9 finding 2: only known NODE_ENV values start, development listens on loopback unless the operator
 * says otherwise, and the start-up warnings name everything that is open (admin routes included).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { spawnServer } from '../helpers/process.js'
import { freePort } from '../helpers/server.js'

/** Local listening addresses of TCP sockets on `port` (IPv4 and IPv6), read from /proc: no traffic needed. */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const out: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state === '0A' && local?.endsWith(`:${hex}`)) out.push(local.slice(0, -5))
    }
  }
  return out
}

async function refusal(env: Record<string, string>) {
  const proc = spawnServer({ PORT: String(await freePort()), ...env })
  try {
    const exit = await proc.exited(60_000)
    return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() }
  } finally {
    await proc.stop()
  }
}

describe.concurrent('NODE_ENV and the development bind (finding 2)', { timeout: 70_000 }, () => {
  it.each(['Production', 'prod', 'staging'])('refuses to start with NODE_ENV=%s, naming the variable', async (value) => {
    const result = await refusal({ NODE_ENV: value })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/Refusing to start/)
    expect(result.stderr).toMatch(/NODE_ENV/)
    expect(result.stdout).not.toMatch(/READY/)
  })

  it('refuses a development start on 0.0.0.0 with open minting and admin routes, naming the switch', async () => {
    const result = await refusal({ HOST: '0.0.0.0' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/HOST=0\.0\.0\.0/)
    expect(result.stderr).toMatch(/admin routes/)
    expect(result.stderr).toMatch(/ALLOW_OPEN_ENDPOINTS_ON_NETWORK=true/)
  })

  it('listens on loopback only by default in development, and warns that minting and admin routes are open', async () => {
    const port = await freePort()
    const proc = spawnServer({ PORT: String(port), HOST: '', LOG_LEVEL: 'warn' })
    try {
      await proc.waitFor(/READY/, 60_000)
      expect(listeners(port)).toEqual(['0100007F'])
      expect(proc.stdout()).toMatch(/token minting is open to anyone/)
      expect(proc.stdout()).toMatch(/admin routes \(rooms, stats, audit, metrics, maintenance\) are open to anyone/)
    } finally {
      await proc.stop()
    }
  })

  it('with ALLOW_OPEN_ENDPOINTS_ON_NETWORK=true it binds as told and logs a SECURITY warning naming both open surfaces', async () => {
    const port = await freePort()
    const proc = spawnServer({ PORT: String(port), HOST: '0.0.0.0', ALLOW_OPEN_ENDPOINTS_ON_NETWORK: 'true', LOG_LEVEL: 'warn' })
    try {
      await proc.waitFor(/READY/, 60_000)
      expect(listeners(port)).toEqual(['00000000'])
      const warning = proc.stdout().split('\n').find((l) => l.includes('SECURITY'))
      expect(warning).toMatch(/token minting and the admin routes/)
      expect(JSON.parse(warning!)).toMatchObject({ level: 'warn' })
    } finally {
      await proc.stop()
    }
  })
})
