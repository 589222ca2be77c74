/**
 * @module A loopback TCP proxy that a test can cut, as a flaky network would: both sides of every
 * connection are destroyed at once, so neither end gets a WebSocket close frame.
 */
import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  /** The port clients connect to instead of the server's. */
  port: number
  /** Destroys every connection open through the proxy, both sides; new connections are still accepted. */
  cut(): void
  /** Cuts everything and stops listening. */
  close(): Promise<void>
}

/** Forwards 127.0.0.1:<proxy port> to 127.0.0.1:`targetPort`, byte for byte. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>()
  const track = (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    // A destroyed partner makes the other side error out (EPIPE, ECONNRESET): expected here.
    socket.on('error', () => undefined)
  }
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    track(client)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
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
    close() {
      cut()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
