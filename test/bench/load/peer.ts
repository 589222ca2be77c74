/** @module One simulated client: a `ws` socket that becomes ready through the server's own handshake. */
import WebSocket from 'ws'
import { ADAPTERS, type Adapter, type Frame, type PeerSpec, type Received } from './protocols.js'
import type { Protocol } from '../lib/servers.js'

export interface Peer {
  spec: PeerSpec
  ws: WebSocket
  /** Index of the peer in its room (storm pairs, steady targets). */
  slot: number
  onSignal: ((peer: Peer, r: Received) => void) | null
}

export interface Target {
  protocol: Protocol
  port: number
  adapter: Adapter
}

export const target = (protocol: Protocol, port: number): Target => ({ protocol, port, adapter: ADAPTERS[protocol] })

/** Opens a socket and resolves once the server says the peer may signal; rejects on error, close or timeout. */
export function connectPeer(t: Target, spec: PeerSpec, slot: number, timeoutMs: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.adapter.url(t.port, spec), { perMessageDeflate: false, handshakeTimeout: timeoutMs })
    const peer: Peer = { spec, ws, slot, onSignal: null }
    let ready = false
    const fail = (why: string) => {
      if (ready) return
      ready = true
      clearTimeout(timer)
      ws.terminate()
      reject(new Error(why))
    }
    const timer = setTimeout(() => fail('ready timeout'), timeoutMs)
    const becomeReady = () => {
      ready = true
      clearTimeout(timer)
      resolve(peer)
    }
    ws.on('error', (err) => fail(String(err.message)))
    ws.on('close', (code) => fail(`closed ${code}`))
    ws.on('open', () => {
      for (const f of t.adapter.hello(spec)) ws.send(f)
      if (t.adapter.isReady(null)) becomeReady()
    })
    ws.on('message', (data) => {
      let m: Frame
      try {
        m = JSON.parse(data.toString()) as Frame
      } catch {
        return
      }
      if (!ready) {
        if (t.adapter.isReady(m)) becomeReady()
        else if (m.type === 'error' || m.type === 'ERROR' || m.type === 'ID-TAKEN') fail(`refused: ${JSON.stringify(m).slice(0, 200)}`)
        return
      }
      const r = t.adapter.decode(m)
      if (r && peer.onSignal) peer.onSignal(peer, r)
    })
  })
}

/** Closes a socket and waits for it to be closed (bounded; terminates after the timeout). */
export function closePeer(peer: Peer, timeoutMs = 5000): Promise<void> {
  const ws = peer.ws
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate()
      resolve()
    }, timeoutMs)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close(1000)
  })
}

/** Runs `fn` over 0..count-1 with at most `concurrency` in flight, stopping new work at `deadline` (performance.now). */
export async function inPool(count: number, concurrency: number, deadline: number, fn: (i: number) => Promise<void>) {
  let next = 0
  const lane = async () => {
    while (next < count && performance.now() < deadline) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
  return next
}
