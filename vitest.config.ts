import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Fails any test file whose servers logged or audited a token (test/helpers/leaks.ts).
    setupFiles: ['test/setup/token-leaks.ts'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-results/results.json' }]],
  },
})
