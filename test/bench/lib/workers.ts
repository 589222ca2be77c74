/** @module A pool of load-generator worker processes (forked with tsx), driven by request/response over IPC. */
import { fork, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

const WORKER = resolve(import.meta.dirname, '../load/worker.ts')

type Args = Record<string, number | string | boolean>

export interface WorkerPool {
  size: number
  pids: number[]
  /** Sends one request to worker `i`; rejects after `timeoutMs`. */
  call<T>(i: number, op: string, args: Args, timeoutMs: number): Promise<T>
  /** The same op on every worker, with per-worker args. */
  all<T>(op: string, args: (i: number) => Args, timeoutMs: number): Promise<T[]>
  close(): Promise<void>
}

export async function startWorkers(size: number): Promise<WorkerPool> {
  let nextId = 1
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>()
  const children: ChildProcess[] = []
  for (let i = 0; i < size; i++) {
    const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = pending.get(m.id)
      if (!p) return
      pending.delete(m.id)
      if (m.ok) p.ok(m.result)
      else p.fail(new Error(m.error))
    })
    child.on('exit', (code) => {
      for (const [id, p] of pending) {
        pending.delete(id)
        p.fail(new Error(`worker ${i} exited (${code})`))
      }
    })
    children.push(child)
  }
  const call = <T>(i: number, op: string, args: Args, timeoutMs: number) =>
    new Promise<T>((ok, fail) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        fail(new Error(`worker ${i}: ${op} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, {
        ok: (v) => {
          clearTimeout(timer)
          ok(v as T)
        },
        fail: (e) => {
          clearTimeout(timer)
          fail(e)
        },
      })
      children[i]!.send({ id, op, args })
    })
  const pool: WorkerPool = {
    size,
    pids: children.map((c) => c.pid as number),
    call,
    all: <T>(op: string, args: (i: number) => Args, timeoutMs: number) => Promise.all(children.map((_, i) => call<T>(i, op, args(i), timeoutMs))),
    async close() {
      for (const c of children) c.disconnect()
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)))
    },
  }
  await pool.all('setup', (i) => ({ index: i, protocol: 'bare', port: 0 }), 30_000)
  return pool
}
