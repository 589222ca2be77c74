/**
 * @module Builds variants of bundles/node.mjs with candidate hot-path changes applied as text patches, so their
 * gain can be measured before anyone edits src/ (`npm run bench -- --servers=node,node-exp` with
 * BENCH_EXP_BUNDLE=<variant>). Usage: node test/bench/experiments/patch-bundle.mjs <outdir> [patch,...].
 * The patches match the bundle of commit addaefc; on another build a patch that no longer applies says so.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PATCHES = {
  /**
   * handleUpgrades (src/runtime/node/upgrade.ts): the `close` and `error` listeners it leaves on the socket
   * are closures of the upgrade listener, so they keep its scope (req, env, head, timer) for the socket's life.
   */
  'upgrade-scope': [
    ['function handleUpgrades(server2, wss, fetch, onError) {',
      'const ignoreError__ = () => void 0;\nfunction armUpgradeTimeout__(socket) {\n  const timer = setTimeout(() => socket.destroy(), UPGRADE_TIMEOUT_MS);\n  timer.unref();\n  const clear = () => { clearTimeout(timer); socket.off("close", clear); };\n  socket.once("close", clear);\n  return clear;\n}\nfunction handleUpgrades(server2, wss, fetch, onError) {'],
    ['    socket.on("error", () => void 0);\n    const timer = setTimeout(() => socket.destroy(), UPGRADE_TIMEOUT_MS);\n    timer.unref();\n    socket.once("close", () => clearTimeout(timer));\n',
      '    socket.on("error", ignoreError__);\n    const clearTimer = armUpgradeTimeout__(socket);\n'],
    ['      wss.handleUpgrade(req, socket, head, (ws) => {\n        clearTimeout(timer);',
      '      wss.handleUpgrade(req, socket, head, (ws) => {\n        clearTimer();'],
  ],
  /** A hand-written check for the three signal frames (clean copies of the allowed fields); zod for the rest. */
  'hand-check': [
    ['function decodeClientFrame(raw2, maxChars) {',
      `const ID__ = /^[A-Za-z0-9_.@-]{1,64}$/;
const optStr__ = (v, max) => v === undefined || v === null || (typeof v === "string" && v.length <= max);
function fastSignal__(m) {
  const t = m.type, d = m.data, to = m.targetUserId;
  if (typeof to !== "string" || !ID__.test(to) || to === "__proto__" || to === "constructor" || to === "prototype" || m.to !== undefined) return null;
  if (typeof d !== "object" || d === null) return null;
  if (t === "ice-candidate" || t === "ice") {
    const c = d.candidate;
    if (typeof c !== "object" || c === null || typeof c.candidate !== "string" || c.candidate.length > 2048) return null;
    if (!optStr__(c.sdpMid, 64) || !optStr__(c.usernameFragment, 256)) return null;
    const i = c.sdpMLineIndex;
    if (!(i === undefined || i === null || (Number.isInteger(i) && i >= 0 && i <= 1023))) return null;
    return { type: t, targetUserId: to, data: { candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: i, usernameFragment: c.usernameFragment } } };
  }
  if (t === "sdp-offer" || t === "offer" || t === "sdp-answer" || t === "answer") {
    if (typeof d.sdp !== "string" || d.sdp.length > 61440) return null;
    if (!(d.type === undefined || d.type === "offer" || d.type === "answer" || d.type === "pranswer" || d.type === "rollback")) return null;
    return { type: t, targetUserId: to, data: { type: d.type, sdp: d.sdp } };
  }
  return null;
}
function decodeClientFrame(raw2, maxChars) {`],
    ['  const parsed = ClientMessageSchema.safeParse(value);\n  return parsed.success',
      '  const fast = fastSignal__(value);\n  if (fast) return { ok: true, message: fast };\n  const parsed = ClientMessageSchema.safeParse(value);\n  return parsed.success'],
  ],
}

const [outDir, list = Object.keys(PATCHES).join(',')] = process.argv.slice(2)
if (!outDir) throw new Error('usage: patch-bundle.mjs <outdir> [patch,...]')
let text = readFileSync(new URL('../../../bundles/node.mjs', import.meta.url), 'utf8')
for (const name of list.split(',')) {
  const edits = PATCHES[name]
  if (!edits) throw new Error(`unknown patch ${name}; known: ${Object.keys(PATCHES).join(', ')}`)
  for (const [from, to] of edits) {
    const hit = typeof from === 'string' ? text.includes(from) : from.test(text)
    if (!hit) throw new Error(`patch ${name} does not apply to this bundle (looked for ${String(from).slice(0, 80)}...)`)
    text = text.replace(from, to)
  }
  console.log(`applied ${name}`)
}
mkdirSync(outDir, { recursive: true })
const out = join(outDir, `node-${list.replaceAll(',', '+')}.mjs`)
writeFileSync(out, text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'))
console.log(out)
