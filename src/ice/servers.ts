/**
 * @module ICE servers for one user: the STUN URLs from config and, with TURN_SECRET, TURN URLs with short-lived
 * credentials in the TURN REST API format that coturn checks with `use-auth-secret` / `static-auth-secret`:
 * `username = "<expiry unix seconds>:<userId>"`, `credential = base64(HMAC-SHA1(TURN_SECRET, username))`.
 * The TURN server needs no call to us: it recomputes the HMAC and refuses an expired username.
 */
import type { IceConfig } from '../config.js'
import type { IceServer } from '../protocol/server-messages.js'

export interface IceGrant {
  iceServers: IceServer[]
  /** When the TURN credentials stop working (epoch ms); null without TURN. */
  expiresAt: number | null
}

const encoder = new TextEncoder()

/** HMAC-SHA1 on WebCrypto (every runtime has it), standard base64 as coturn expects. */
async function hmacSha1Base64(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)))
  return btoa(String.fromCharCode(...mac))
}

/** The ICE servers `userId` may use from `nowMs` on. */
export async function iceServersFor(ice: IceConfig, userId: string, nowMs: number): Promise<IceGrant> {
  const iceServers: IceServer[] = ice.stunUrls.length > 0 ? [{ urls: ice.stunUrls }] : []
  if (!ice.turn) return { iceServers, expiresAt: null }
  const expiry = Math.floor(nowMs / 1000) + ice.turn.ttlSeconds
  const username = `${expiry}:${userId}`
  iceServers.push({ urls: ice.turn.urls, username, credential: await hmacSha1Base64(ice.turn.secret, username) })
  return { iceServers, expiresAt: expiry * 1000 }
}
