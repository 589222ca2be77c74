/** @module Every variable src/config.ts reads is documented in README's tables and in .env.example, and nothing more. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ENV_VARIABLES } from '../../src/config.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const read = (file: string) => readFileSync(`${ROOT}/${file}`, 'utf8')

describe('configuration documentation', () => {
  it('README names every variable in a table row', () => {
    const readme = read('README.md')
    const missing = ENV_VARIABLES.filter((name) => !new RegExp(`^\\|[^\\n]*\`${name}\``, 'm').test(readme))
    expect(missing).toEqual([])
  })

  it('.env.example sets every variable, and only those', () => {
    const set = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1])
    expect([...set].sort()).toEqual([...ENV_VARIABLES].sort())
  })
})
