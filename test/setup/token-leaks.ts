/**
 * @module Runs with every test file (vitest setupFiles): console output of the test process is scanned too, and after
 * the file the leaks any server reported fail it. A test that needs a token in a log on purpose does not exist.
 */
import { afterAll, expect } from 'vitest'
import { scanForTokens, tokenLeaks } from '../helpers/leaks.js'

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console)
  console[method] = (...args: unknown[]) => {
    for (const a of args) if (typeof a === 'string') scanForTokens(`console.${method}`, a)
    original(...args)
  }
}

afterAll(() => {
  expect(tokenLeaks(), 'log lines or audit entries holding a token').toEqual([])
})
