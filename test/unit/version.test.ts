/** @module The product identity matches package.json. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PRODUCT_NAME, VERSION } from '../../src/version.js'

describe('version', () => {
  it('equals the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(VERSION).toBe(pkg.version)
  })

  it('names the product as the seed does', () => {
    expect(PRODUCT_NAME).toBe('OctateCode P2P Backend')
    expect(VERSION).toBe('2.0.0')
  })
})
