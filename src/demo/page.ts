/** @module The demo page's HTML: a room, its peers with their connection state and route, and the shared text. */

export const DEMO_HTML = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OctateCode P2P demo</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; color: #1d1d1f }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem } p { margin: .25rem 0 1rem; color: #555 }
  .state { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; background: #eee; font-size: .85rem }
  .state.open, .state.connected { background: #d8f5dc } .state.resuming, .state.reconnecting, .state.connecting { background: #fff1c9 }
  .state.closed, .state.failed { background: #fbd9d9 }
  table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100% } td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee }
  textarea { width: 100%; height: 12rem; font: 14px/1.4 ui-monospace, monospace; box-sizing: border-box; padding: .5rem }
</style>
<h1>OctateCode P2P demo</h1>
<p>Open this page in a second tab and type: the text goes peer to peer over WebRTC; the server only relays signaling.</p>
<div>You are <b id="me">…</b> in room <b id="room">…</b> · signaling <span id="session" class="state">connecting</span></div>
<table><thead><tr><th>peer</th><th>connection</th><th>route</th></tr></thead><tbody id="peers"><tr><td colspan="3">nobody else yet</td></tr></tbody></table>
<textarea id="text" placeholder="Type here…" disabled></textarea>
<script type="module" src="/demo/demo.js"></script>
</html>
`
