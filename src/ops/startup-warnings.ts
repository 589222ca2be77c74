/** @module What an operator must hear at start: everything that is open or weaker than production would allow. */
import type { Config } from '../config.js'

/** Warnings to log at start, most severe first; empty for a locked-down production config. */
export function securityWarnings(config: Config): string[] {
  const out: string[] = []
  const minting = !config.production && !config.auth.issuerKey
  const admin = !config.production && !config.adminToken
  if (config.openOnNetwork && (minting || admin)) {
    out.push(
      `SECURITY: ALLOW_OPEN_ENDPOINTS_ON_NETWORK=true and HOST=${config.host}: ${[minting && 'token minting', admin && 'the admin routes (rooms, stats, audit, maintenance)'].filter(Boolean).join(' and ')} are open to anyone who can reach this port`,
    )
  }
  if (minting) out.push('token minting is open to anyone (development mode without TOKEN_ISSUER_KEY)')
  if (admin) out.push('admin routes (rooms, stats, audit, metrics, maintenance) are open to anyone (development mode without ADMIN_TOKEN)')
  if (config.auth.ephemeralSecret) out.push('AUTH_SECRET is not set: tokens are signed with a random per-process secret (development only)')
  if (config.corsOrigins === '*') out.push('CORS_ORIGINS is * : any web page may call the API and open WebSockets (development only)')
  if (config.trustProxyHops > 0 && !config.trustedProxies) {
    out.push('TRUST_PROXY is set without TRUSTED_PROXIES: X-Forwarded-For is believed from any peer; if clients can reach this port directly, set TRUSTED_PROXIES')
  }
  if (!config.auth.singleUse) out.push('SINGLE_USE_TOKENS=false: a leaked room token can replace its user until it expires')
  return out
}
