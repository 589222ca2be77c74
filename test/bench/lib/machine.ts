/** @module What the machine was: CPU, memory, kernel, runtimes, file-descriptor cap and load. */
import { execFileSync } from 'node:child_process'
import { cpus, release, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { loadAverage } from './proc.js'

const BUN = resolve(import.meta.dirname, '../../../node_modules/bun/bin/bun.exe')

const version = (file: string, args: string[]) => {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 10_000 }).trim()
  } catch {
    return null
  }
}

export function describeMachine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    bun: version(BUN, ['--version']),
    openFileCap: Number(version('sh', ['-c', 'ulimit -n'])),
    loadAverage: loadAverage(),
  }
}
