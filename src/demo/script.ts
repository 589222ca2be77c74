/**
 * @module The demo page's script: joins `?room=` (default `demo`) as `?user=` or a random user, builds the mesh, and keeps one
 * shared text in sync over the data channels. The text is a last-writer-wins register ordered by (version, userId):
 * enough for a demo; a real editor would use a CRDT such as Yjs over the same channels.
 */
import { connect, createMesh, type Mesh, type Session } from '../client/index.js'

const $ = (id: string) => document.getElementById(id) as HTMLElement
const query = new URLSearchParams(location.search)
const room = query.get('room') ?? 'demo'
/** One user per tab (sessionStorage), so that a reload resumes as the same user; `?user=` picks a name. */
const userId = query.get('user') ?? sessionStorage.getItem('demo-user') ?? `user-${Math.random().toString(36).slice(2, 7)}`
sessionStorage.setItem('demo-user', userId)

interface TextState {
  text: string
  version: number
  by: string
}
let doc: TextState = { text: '', version: 0, by: '' }
const newer = (a: TextState, b: TextState) => a.version > b.version || (a.version === b.version && a.by > b.by)

async function getToken(): Promise<string> {
  const res = await fetch('/api/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roomId: room }) })
  const body = (await res.json()) as { token?: string; code?: string }
  if (!body.token) throw new Error(`token refused: ${body.code ?? res.status}`)
  return body.token
}

function setBadge(el: HTMLElement, state: string) {
  el.textContent = state
  el.className = `state ${state}`
}

async function renderPeers(session: Session, mesh: Mesh) {
  const rows = await Promise.all(
    [...session.peers.keys()].map(async (peerId) => {
      const state = mesh.connections.get(peerId)?.connectionState ?? 'waiting'
      const route = (await mesh.route(peerId)) === 'relay' ? 'through TURN' : state === 'connected' ? 'direct' : '–'
      return `<tr data-peer="${peerId}"><td>${peerId}</td><td><span class="state ${state}">${state}</span></td><td>${route}</td></tr>`
    }),
  )
  $('peers').innerHTML = rows.join('') || '<tr><td colspan="3">nobody else yet</td></tr>'
}

async function main() {
  $('me').textContent = userId
  $('room').textContent = room
  const session = await connect({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, getToken, userName: userId })
  const mesh = createMesh(session)
  const text = $('text') as HTMLTextAreaElement
  const render = () => void renderPeers(session, mesh)
  setBadge($('session'), session.state)
  session.on('state', ({ state }) => setBadge($('session'), state))
  for (const event of ['peer-joined', 'peer-left'] as const) session.on(event, render)
  mesh.on('peer', render)
  mesh.on('open', ({ peerId }) => mesh.send(peerId, JSON.stringify(doc)))
  mesh.on('data', ({ data }) => {
    const incoming = JSON.parse(String(data)) as TextState
    if (!newer(incoming, doc)) return
    doc = incoming
    text.value = doc.text
  })
  text.addEventListener('input', () => {
    doc = { text: text.value, version: doc.version + 1, by: userId }
    mesh.broadcast(JSON.stringify(doc))
  })
  text.disabled = false
  render()
}

main().catch((err: unknown) => setBadge($('session'), `closed: ${err instanceof Error ? err.message : String(err)}`))
