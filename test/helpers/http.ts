/** @module HTTP test helpers: JSON requests, bearer headers, a strong production env, and the no-JWT-in-logs check. */
import { expect, it } from 'vitest'
import type { TestServer } from './server.js'

/** Matches a JWT (header and payload are base64url JSON objects, so both start with eyJ). */
export const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\./

/** Random-looking values that pass the production checks (no placeholder words, >= 32 bytes, varied). */
export const PROD_SECRET = 'Zq3v8XkP2mW7rT9bL4nY6cH1dF5jG0sA-uE'
export const ISSUER_KEY = 'iK7pQ2wE9rT4yU1oP6aS3dF8gH5jK0lZx'
export const ADMIN_KEY = 'aD4mN9bV2cX7zL1kJ6hG3fD8sA5qW0eRt'

/** Env for a production-mode test server; add TOKEN_ISSUER_KEY / ADMIN_TOKEN as the test needs. */
export const productionEnv = (extra: Record<string, string | undefined> = {}) => ({
  NODE_ENV: 'production',
  AUTH_SECRET: PROD_SECRET,
  CORS_ORIGINS: 'https://app.example',
  ...extra,
})

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

export interface JsonResponse {
  status: number
  headers: Headers
  text: string
  /** Parsed body, or undefined when it is not JSON. */
  json: any
}

/** Sends a request and reads the body once, as text and (when it parses) as JSON. */
export async function request(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const res = await fetch(url, init)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** POSTs `body` as JSON (a string is sent as is). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Fails when any captured log line contains a JWT. */
export function expectNoJwtIn(logs: readonly string[]) {
  expect(logs.filter((line) => JWT_PATTERN.test(line))).toEqual([])
}

/** Adds a test to the current describe (declare it last): nothing these servers logged contains a JWT. */
export function itLogsNoJwt(servers: () => TestServer[]) {
  it('never writes a JWT to its logs', () => {
    for (const server of servers()) expectNoJwtIn(server.logs)
  })
}
