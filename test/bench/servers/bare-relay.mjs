/**
 * @module The ceiling: a bare `ws` targeted JSON relay. No auth, no validation, no rooms.
 * ws://host:PORT/?id=<peer>; a frame {to, ...} is re-sent to peer `to` with `from` set; heartbeat is echoed.
 * Writes to each socket are corked for the rest of the tick (BARE_CORK=0 turns that off).
 */
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const cork = process.env.BARE_CORK !== '0'
const peers = new Map()
const corked = new Set()
const flush = () => {
  for (const s of corked) s.uncork()
  corked.clear()
}

function send(ws, text) {
  const socket = ws._socket
  if (cork && socket && !corked.has(socket)) {
    if (corked.size === 0) process.nextTick(flush)
    corked.add(socket)
    socket.cork()
  }
  ws.send(text)
}

const http = createServer((_req, res) => res.end('ok'))
const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
wss.on('connection', (ws, req) => {
  const id = new URL(req.url, 'http://x').searchParams.get('id')
  peers.set(id, ws)
  ws.on('close', () => peers.get(id) === ws && peers.delete(id))
  ws.on('message', (data) => {
    const msg = JSON.parse(data)
    if (msg.type === 'heartbeat') return send(ws, data.toString())
    const target = peers.get(msg.to)
    if (!target) return
    msg.from = id
    send(target, JSON.stringify(msg))
  })
})
http.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => console.log(`READY bare relay on ${http.address().port}`))
