/**
 * Builds the deployable bundles: bundles/node.mjs (Render, `npm start`), bundles/bun.js (Bun),
 * bundles/client.js (browser client library), bundles/demo.js (the /demo page's script, read by the server
 * bundles), and checks that the core stays portable (neutral platform, no node:*). Prints the client's size.
 * `node bundles/build.mjs <dir>` writes them to another folder (the bundle tests do).
 */
import { build } from 'esbuild'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, logLevel: 'warning', sourcemap: 'linked', legalComments: 'none' }
/**
 * Server bundles drop whitespace and comments but keep names, so that logged stack traces stay readable.
 * Cold start is mostly reading and compiling the bundle: 1.9 MB -> 0.8 MB (with zod imported as a
 * namespace) cut spawn-to-first-/api/health by a quarter (12 interleaved spawns each, on a loaded machine:
 * median 1,033 -> 770 ms; `npm run bench -- --scenarios=cold` measures it against the other servers).
 * esbuild stays external: only a server running from source builds the demo script with it.
 */
const server = { minifyWhitespace: true, minifySyntax: true, external: ['esbuild'] }
/** The client's budget (issue 11): what a front end pays to load it. */
const CLIENT_BUDGET_GZIP = 6 * 1024

// ws is CommonJS and requires node builtins: give the ESM bundle a real `require`.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
const browser = { ...common, platform: 'browser', format: 'esm', target: 'chrome120', minify: true }
const out = process.argv[2] ?? 'bundles'
await mkdir(out, { recursive: true })

const [, , client] = await Promise.all([
  build({ ...common, ...server, entryPoints: ['src/runtime/node/main.ts'], outfile: join(out, 'node.mjs'), platform: 'node', format: 'esm', target: 'node20', banner: { js: requireShim } }),
  build({ ...common, ...server, entryPoints: ['src/runtime/bun/main.ts'], outfile: join(out, 'bun.js'), platform: 'node', format: 'esm', target: 'esnext', external: ['bun', 'esbuild'], banner: { js: requireShim } }),
  build({ ...browser, entryPoints: ['src/client/index.ts'], outfile: join(out, 'client.js'), write: false }),
  build({ ...browser, entryPoints: ['src/demo/script.ts'], outfile: join(out, 'demo.js'), sourcemap: false }),
  // Portability guard: the core must bundle for a neutral platform (fails on any node: import).
  build({ ...common, entryPoints: ['src/app.ts'], write: false, platform: 'neutral', format: 'esm', mainFields: ['module', 'main'], sourcemap: false }),
])

const js = client.outputFiles.find((f) => f.path.endsWith('.js'))
for (const f of client.outputFiles) await writeFile(f.path, f.contents)
const gzipped = gzipSync(js?.contents ?? new Uint8Array(), { level: 9 }).length
console.log(`bundles written: node.mjs, bun.js, client.js, demo.js`)
console.log(`client.js: ${js?.contents.length ?? 0} bytes minified, ${gzipped} bytes gzipped (budget ${CLIENT_BUDGET_GZIP})`)
if (gzipped > CLIENT_BUDGET_GZIP) {
  console.error(`client.js is over its budget of ${CLIENT_BUDGET_GZIP} bytes gzipped`)
  process.exit(1)
}
