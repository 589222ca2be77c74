/** @module Raw HTTP over TCP, for upgrade requests no WebSocket client would send. */
import { connect } from 'node:net'

/** A raw `GET /ws` request with these header lines. */
export const httpGet = (headers: string[]) => `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`

/** Sends a raw HTTP request over TCP; resolves with what came back and how long until the server ended it. */
export function rawRequest(port: number, request: string, timeoutMs = 5000): Promise<{ response: string; endedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect({ host: '127.0.0.1', port })
    let response = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`socket still open after ${timeoutMs} ms; got ${JSON.stringify(response)}`))
    }, timeoutMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (response += chunk))
    // 'end' is the server's FIN; 'close' covers a reset.
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ response, endedAfterMs: Date.now() - started })
    }
    socket.once('end', done)
    socket.once('close', done)
    socket.once('error', () => undefined)
    socket.write(request)
  })
}
