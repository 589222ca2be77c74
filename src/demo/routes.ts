/**
 * @module The demo at /demo: two tabs on it share a text peer to peer through the client library (DEMO decides
 * whether it is served; on by default in development). The page is static; its script comes from the runtime.
 */
import { Hono } from 'hono'
import { DEMO_HTML } from './page.js'

/** `script` returns the bundled demo script (src/demo/script.ts with the client library). */
export function demoRoutes(script: () => Promise<string>) {
  return new Hono()
    .get('/', (c) => c.html(DEMO_HTML))
    .get('/demo.js', async (c) => c.body(await script(), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }))
}
