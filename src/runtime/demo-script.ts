/**
 * @module The demo page's script for the Node and Bun entries: `demo.js` next to a built server bundle
 * (bundles/build.mjs writes it), otherwise built once from src/demo/script.ts with esbuild (`npm run dev`, tests).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

async function buildFromSource(): Promise<string> {
  const { build } = await import('esbuild')
  const entry = fileURLToPath(new URL('../demo/script.ts', import.meta.url))
  const out = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'chrome120', minify: true, logLevel: 'silent' })
  return out.outputFiles[0]?.text ?? ''
}

/** A loader that reads or builds the script on first use and keeps it. */
export function createDemoScriptLoader(): () => Promise<string> {
  let script: Promise<string> | null = null
  return () => (script ??= readFile(new URL('./demo.js', import.meta.url), 'utf8').catch(buildFromSource))
}
