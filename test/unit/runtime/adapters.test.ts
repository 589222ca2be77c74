/**
 * The three runtime folders export the same names (as Hono's adapters do), so that the next runtime is a folder: read
 * from each index's ESM exports as esbuild bundles it (the Workers one cannot be imported outside workerd).
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const SHARED = ['getConnInfo', 'socketPort', 'start', 'upgradeWebSocket']

async function exportsOf(runtime: string): Promise<string[]> {
  const out = await build({
    absWorkingDir: ROOT,
    entryPoints: [`src/runtime/${runtime}/index.ts`],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    external: ['cloudflare:workers'],
    outdir: 'out',
    logLevel: 'silent',
  })
  return Object.values(out.metafile.outputs).flatMap((o) => o.exports)
}

describe('runtime adapters of one shape', () => {
  it.each(['node', 'bun', 'workers'])('src/runtime/%s exports upgradeWebSocket, getConnInfo, socketPort and start', async (runtime) => {
    expect(await exportsOf(runtime)).toEqual(expect.arrayContaining(SHARED))
  })
})
