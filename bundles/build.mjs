/**
 * Builds the deployable bundles: bundles/node.mjs (Render, `npm start`), bundles/bun.js (Bun),
 * bundles/client.js (browser), and checks that the core stays portable (neutral platform, no node:*).
 */
import { build } from 'esbuild'
import { existsSync } from 'node:fs'

/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, logLevel: 'warning', sourcemap: 'linked', legalComments: 'none' }

// ws is CommonJS and requires node builtins: give the ESM bundle a real `require`.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

await Promise.all([
  build({ ...common, entryPoints: ['src/runtime/node.ts'], outfile: 'bundles/node.mjs', platform: 'node', format: 'esm', target: 'node20', banner: { js: requireShim } }),
  build({ ...common, entryPoints: ['src/runtime/bun.ts'], outfile: 'bundles/bun.js', platform: 'node', format: 'esm', target: 'esnext', external: ['bun'], banner: { js: requireShim } }),
  existsSync('src/client/index.ts')
    ? build({ ...common, entryPoints: ['src/client/index.ts'], outfile: 'bundles/client.js', platform: 'browser', format: 'esm', target: 'chrome120', minify: true })
    : Promise.resolve(),
  // Portability guard: the core must bundle for a neutral platform (fails on any node: import).
  build({ ...common, entryPoints: ['src/app.ts'], write: false, platform: 'neutral', format: 'esm', mainFields: ['module', 'main'], sourcemap: false }),
])
console.log('bundles written: node.mjs, bun.js' + (existsSync('src/client/index.ts') ? ', client.js' : ''))
