/** @module Room tokens minted locally, exactly as src/auth/tokens.ts does (the documented way for an app backend). */
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'

export const ISSUER = 'octatecode-p2p-backend'
export const AUDIENCE = 'octatecode-p2p-signaling'

export function tokenMinter(secret: string, ttlSeconds = 3600) {
  const key = new TextEncoder().encode(secret)
  return (userId: string, roomId: string): Promise<string> => {
    const iat = Math.floor(Date.now() / 1000)
    return new SignJWT({ room: roomId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .setJti(randomUUID())
      .sign(key)
  }
}
