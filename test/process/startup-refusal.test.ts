/** @module The Node entry refuses to start on bad configuration: non-zero exit, a clear message, no secret echoed. */
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/server.js'
import { spawnServer } from '../helpers/process.js'

const PROD = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example' }

/** Runs the entry with `env` and returns its exit and output once it has exited. */
async function refusal(env: Record<string, string>) {
  const proc = spawnServer({ PORT: String(await freePort()), ...env })
  try {
    const exit = await proc.exited(20_000)
    return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() }
  } finally {
    await proc.stop()
  }
}

describe.concurrent('startup refusal', () => {
  it.each([
    ['missing', '', /AUTH_SECRET is required/],
    ['short', 'short', /AUTH_SECRET must be at least 32 bytes/],
    ['the seed placeholder', 'change-me-in-production', /AUTH_SECRET is a placeholder/],
    ['weak', 'abababababababababababababababababab', /AUTH_SECRET has too little variety/],
  ])('refuses production with an AUTH_SECRET that is %s', async (_label, secret, message) => {
    const result = await refusal({ ...PROD, AUTH_SECRET: secret })
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.stderr).toMatch(/Refusing to start/)
    expect(result.stderr).toMatch(message)
    if (secret) expect(result.stderr + result.stdout).not.toContain(secret)
    expect(result.stdout).not.toMatch(/READY/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses PORT=abc with a message naming PORT', async () => {
    const result = await refusal({ PORT: 'abc' })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/Refusing to start/)
    expect(result.stderr).toMatch(/PORT/)
    expect(result.stdout).not.toMatch(/READY/)
  })
})
