/**
 * @module A loopback TCP proxy that a test can cut, as a flaky network would: both sides of every
 * connection are destroyed at once, so neither end gets a WebSocket close frame. It can also refuse new
 * connections for a while, hold back what the server sends, and keep a copy of it for inspection.
 */
import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  /** The port clients connect to instead of the server's. */
  port: number
  /** Destroys every connection open through the proxy, both sides; new connections are still accepted. */
  cut(): void
  /** While blocked, new connections are destroyed at once (a network that is still down). */
  block(blocked: boolean): void
  /** While held, bytes from the server are kept back; releasing delivers them in order. */
  hold(held: boolean): void
  /** Everything the server sent through the proxy so far, as latin1 text (WebSocket frames from a server are unmasked). */
  downstream(): string
  /** Cuts everything and stops listening. */
  close(): Promise<void>
}

/** Forwards 127.0.0.1:<proxy port> to 127.0.0.1:`targetPort`, byte for byte. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>()
  const seen: Buffer[] = []
  let held: { client: Socket; chunk: Buffer }[] | null = null
  let blocked = false
  const track = (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    // A destroyed partner makes the other side error out (EPIPE, ECONNRESET): expected here.
    socket.on('error', () => undefined)
  }
  const server = createServer((client) => {
    if (blocked) return void client.destroy()
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    track(client)
    track(upstream)
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => {
      seen.push(chunk)
      if (held) held.push({ client, chunk })
      else client.write(chunk)
    })
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const cut = () => {
    for (const socket of open) socket.destroy()
  }
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut,
    block: (value) => void (blocked = value),
    hold(value) {
      const kept = held ?? []
      held = value ? (held ?? []) : null
      if (!value) for (const { client, chunk } of kept) if (!client.destroyed) client.write(chunk)
    },
    downstream: () => Buffer.concat(seen).toString('latin1'),
    close() {
      cut()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
