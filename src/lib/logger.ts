/** @module Structured JSON logger. One line per event; never given tokens or secrets. */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
type Fields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: Fields): void
  info(msg: string, fields?: Fields): void
  warn(msg: string, fields?: Fields): void
  error(msg: string, fields?: Fields): void
  child(bindings: Fields): Logger
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/**
 * A JWT anywhere in a line (an error message quoting input, a URL with a token in its query): written as
 * [redacted token]. Room and resume tokens are JWTs, so no token reaches a log whatever the field is called.
 */
const JWT_TEXT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g

/** Keys whose values are never written, whatever the caller passes. */
const SECRET_KEY = /token|secret|authorization|password|key$/i

function redact(fields: Fields): Fields {
  const out: Fields = {}
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]'
    else if (v instanceof Error) out[k] = { name: v.name, message: v.message, stack: v.stack }
    else out[k] = v
  }
  return out
}

/**
 * Creates a logger writing JSON lines through `write` (default: console.log).
 * Fields named like secrets (token, secret, authorization, password, *key) are redacted.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = console.log, bindings: Fields = {}): Logger {
  const min = rank[level]
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) => {
    if (rank[lvl] < min) return
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...(fields ? redact(fields) : {}) })
    write(line.includes('eyJ') ? line.replace(JWT_TEXT, '[redacted token]') : line)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger(level, write, { ...bindings, ...b }),
  }
}

export const silentLogger: Logger = createLogger('silent')
