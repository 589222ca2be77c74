/**
 * @module `npx tsx test/bench/micro/token-costs.ts`: one room-token verify and one mint through the token
 * service, jose on WebCrypto against the synchronous node:crypto codec (`hs256`), plus their parts. Wall time
 * per call (awaited one at a time) and CPU per call over all threads (`process.cpuUsage`), which counts the
 * thread-pool work of `crypto.subtle`. Evidence for docs/performance.md finding 5; last, the token-use ledger's UUID
 * packing. Reads src/, changes nothing.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { base64url } from 'jose'
import { createTokenService, type TokenService } from '../../../src/auth/tokens.js'
import { systemClock } from '../../../src/lib/clock.js'
import { nodeHs256 } from '../../../src/runtime/node/crypto.js'
import { packUuid } from '../../../src/storage/token-ledger.js'

const SECRET = 'micro-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
const options = { secret: SECRET, issuer: 'octatecode-p2p-backend', audience: 'octatecode-p2p-signaling', ttlSeconds: 3600, clock: systemClock }
const jose = createTokenService(options)
const fast = createTokenService({ ...options, hs256: nodeHs256 })

interface Timing {
  wallUs: number
  cpuUs: number
}

/** Median of 5 rounds of `n` awaited calls: wall µs and all-thread CPU µs per call. */
async function bench(name: string, n: number, fn: (i: number) => unknown): Promise<Timing> {
  const round = async (count: number): Promise<Timing> => {
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < count; i++) await fn(i)
    const wall = Number(process.hrtime.bigint() - t0) / 1000 / count
    const cpu = process.cpuUsage(cpu0)
    return { wallUs: wall, cpuUs: (cpu.user + cpu.system) / count }
  }
  await round(Math.ceil(n / 5))
  const rounds: Timing[] = []
  for (let r = 0; r < 5; r++) rounds.push(await round(n))
  const med = (k: keyof Timing) => rounds.map((x) => x[k]).sort((a, b) => a - b)[2]!
  const t = { wallUs: med('wallUs'), cpuUs: med('cpuUs') }
  console.log(`${t.wallUs.toFixed(2).padStart(8)} µs wall ${t.cpuUs.toFixed(2).padStart(8)} µs CPU  ${name}`)
  return t
}

async function compare(what: string, n: number, run: (s: TokenService, i: number) => Promise<unknown>) {
  const a = await bench(`${what}: jose (WebCrypto)`, n, (i) => run(jose, i))
  const b = await bench(`${what}: hs256 (node:crypto)`, n, (i) => run(fast, i))
  console.log(`${''.padStart(8)}    ${(a.wallUs / b.wallUs).toFixed(1)}x wall, ${(a.cpuUs / b.cpuUs).toFixed(1)}x CPU\n`)
}

const minted = await jose.mint({ userId: 'alice', roomId: 'doc-123', userName: 'Alice' })
for (const s of [jose, fast]) if (!(await s.verify(minted.token)).ok) throw new Error('the sample token does not verify')
const [h, p, sig] = minted.token.split('.') as [string, string, string]
const key = Buffer.from(SECRET)
const sigBytes = Buffer.from(sig, 'base64url')

console.log(`per call, median of 5 rounds; token ${minted.token.length} chars, Node ${process.version}\n`)
await compare('verify', 20_000, (s) => s.verify(minted.token))
await compare('mint', 20_000, (s) => s.mint({ userId: 'alice', roomId: 'doc-123', userName: 'Alice' }))
console.log('parts of the hs256 verify:')
await bench('  3 x jose base64url.decode (header, payload, signature)', 100_000, () => base64url.decode(h).length + base64url.decode(p).length + base64url.decode(sig).length)
await bench('  createHmac(sha256, secret) + timingSafeEqual', 100_000, () => timingSafeEqual(createHmac('sha256', key).update(`${h}.${p}`).digest(), sigBytes))
await bench('  nodeHs256(secret).verify (KeyObject made once)', 100_000, (() => {
  const mac = nodeHs256(SECRET)
  return () => mac.verify(`${h}.${p}`, sigBytes)
})())

// The single-use ledger keys our UUID jtis by their 128 bits, once per handshake.
const uuids = Array.from({ length: 1000 }, () => randomUUID())
const bySlicing = (id: string) => {
  const hex = id.replaceAll('-', '')
  const codes: number[] = []
  for (let i = 0; i < 32; i += 2) codes.push(parseInt(hex.slice(i, i + 2), 16))
  return String.fromCharCode(...codes)
}
console.log('\nthe token-use ledger:')
await bench('  packUuid (character codes)', 100_000, (i) => packUuid(uuids[i % 1000]!))
await bench('  the same by slicing and parseInt (before 2026-12-07)', 100_000, (i) => bySlicing(uuids[i % 1000]!))

// What signing encodes: a resume token's claims and its MAC.
const claims = JSON.stringify({ sub: 'alice', room: 'doc-123', sid: randomUUID(), joinedAt: Date.now(), iat: 1765000000, exp: 1765000300 })
const mac = createHmac('sha256', key).update(claims).digest()
const nodeMac = nodeHs256(SECRET)
console.log('\nbase64url of a token\'s claims and MAC:')
await bench('  jose base64url.encode', 100_000, () => base64url.encode(claims).length + base64url.encode(mac).length)
await bench('  nodeHs256 base64url (Buffer)', 100_000, () => nodeMac.base64url!(claims).length + nodeMac.base64url!(mac).length)
