/**
 * @module The suite-wide check that no log line and no audit entry ever holds a token (issue 9; checklist 67). Every
 * server the helpers start reports its log lines, its audit entries (in process) and its output (child processes)
 * here; test/setup/token-leaks.ts fails the test file if anything matched.
 */

/** A JWT: header and payload are base64url JSON objects, so both start with eyJ. Room and resume tokens alike. */
export const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\./

const leaks: string[] = []

/** Records `text` as a leak when it holds a token; `where` says which server and channel. */
export function scanForTokens(where: string, text: string) {
  const m = JWT_PATTERN.exec(text)
  if (m) leaks.push(`${where}: …${text.slice(Math.max(0, m.index - 80), m.index + 40)}…`)
}

export const tokenLeaks = (): readonly string[] => leaks

/** Forgets what was found (the setup file's own check of the scanner only). */
export function clearTokenLeaks() {
  leaks.length = 0
}
