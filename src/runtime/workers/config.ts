/**
 * @module The config of the Worker and its objects: the same variables as on Node (vars in wrangler.toml, secrets with
 * `wrangler secret put`), with what differs on Workers. AUTH_SECRET is required: a development secret made per isolate
 * would differ between the Worker that mints a token and the object that checks it.
 */
import { ConfigError, parseConfig, type Config } from '../../config.js'

/** Long enough never to pass: inside an object the peers live exactly as long as their sockets (no other instance). */
const OBJECT_LEASE_MS = 10 * 365 * 24 * 3600 * 1000

/** Parses the string bindings of `env` (vars and secrets; object namespaces are not config). */
export function workersConfig(env: Record<string, unknown>): Config {
  const vars: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') vars[k] = v
  if (!vars.AUTH_SECRET) throw new ConfigError('AUTH_SECRET is required on Workers (wrangler secret put AUTH_SECRET; for wrangler dev, .dev.vars)')
  const config = parseConfig(vars)
  // The edge sets CF-Connecting-IP itself: TRUST_PROXY and TRUSTED_PROXIES do not apply. One port, no SIGNALING_PORT.
  return { ...config, trustProxyHops: 0, trustedProxies: null, signalingPort: null, leaseTtlMs: OBJECT_LEASE_MS }
}
