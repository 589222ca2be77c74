/**
 * The browser client's hand-written frame checks (src/client/checks.ts) must accept exactly what the server's
 * ServerMessageSchema accepts, and keep every field zod keeps with the same value.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkServerFrame } from '../../src/client/checks.js'
import { ServerMessageSchema } from '../../src/protocol/server-messages.js'

const TYPES = ['auth', 'peer-joined', 'peer-left', 'sdp-offer', 'offer', 'sdp-answer', 'answer', 'ice-candidate', 'ice', 'heartbeat', 'pong', 'leave-room', 'room-closed', 'error']

const anyJson = fc.jsonValue({ maxDepth: 2 })
/** A field that is usually well-typed, sometimes missing, sometimes anything. */
const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 10, arbitrary: good }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constant(undefined) })
const str = field(fc.string({ maxLength: 6 }))
const num = field(fc.oneof(fc.integer(), fc.double({ noNaN: false })))
const bool = field(fc.boolean())
const lit = (good: string, ...bad: string[]) => field(fc.oneof({ weight: 4, arbitrary: fc.constant(good) }, fc.constantFrom(good, ...bad)))
/** An object with every field present (a field may still be undefined) and sometimes an unknown one. */
const obj = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
  field(fc.record({ ...fields, extra: anyJson }, { requiredKeys: Object.keys(fields) as (keyof T & string)[] }))

const peer = { userId: str, userName: str, joinedAt: num }
const limits = obj({ maxMessageBytes: num, messagesPerSecond: num, messageBurst: num, maxPeersPerRoom: num, heartbeatTimeoutMs: num })
const iceServer = obj({ urls: field(fc.oneof(fc.string(), fc.array(field(fc.string()), { maxLength: 3 }))), username: str, credential: str })
const authData = obj({
  status: lit('authenticated', 'ok'),
  userName: str,
  peers: field(fc.array(obj(peer), { maxLength: 3 })),
  connectionId: str,
  tokenExpiresAt: num,
  resumeToken: field(fc.oneof(fc.string(), fc.constant(null))),
  reconnectGraceMs: num,
  resumed: bool,
  iceServers: field(fc.array(iceServer, { maxLength: 3 })),
  limits,
})
const dataFor: Record<string, fc.Arbitrary<unknown>> = {
  auth: authData,
  'peer-joined': obj({ ...peer, replaced: bool }),
  'peer-left': obj({ userId: str, reason: str }),
  heartbeat: obj({ status: lit('ok', 'left') }),
  'leave-room': obj({ status: lit('left', 'ok') }),
  'room-closed': obj({ reason: str }),
  error: obj({ code: str, error: str }),
}
/** Mostly the data shape of the frame's own type (so that every type is accepted often), sometimes another. */
const frame = fc.constantFrom(...TYPES, 'surprise').chain((type) =>
  fc.record(
    {
      type: field(fc.constant(type)),
      roomId: str,
      userId: str,
      timestamp: num,
      from: str,
      targetUserId: str,
      data: fc.oneof({ weight: 6, arbitrary: dataFor[type] ?? anyJson }, ...Object.values(dataFor)),
    },
    { requiredKeys: ['type', 'timestamp'] },
  ),
)

describe('checkServerFrame', () => {
  it('accepts exactly what ServerMessageSchema accepts, keeping what zod keeps', () => {
    const accepted = new Set<string>()
    fc.assert(
      fc.property(frame, (value) => {
        const zod = ServerMessageSchema.safeParse(value)
        expect(checkServerFrame(value)).toBe(zod.success)
        if (zod.success) {
          expect(value).toMatchObject(zod.data)
          accepted.add(zod.data.type)
        }
      }),
      { numRuns: 20_000 },
    )
    // The run must have exercised every frame type on the accepting side too.
    expect([...accepted].sort()).toEqual([...TYPES].sort())
  })

  it('accepts a real auth reply and refuses what is not an object', () => {
    const reply = {
      type: 'auth', userId: 'a', roomId: 'r', timestamp: 1,
      data: { status: 'authenticated', userName: 'a', peers: [], connectionId: 'c', tokenExpiresAt: 2, resumeToken: null, reconnectGraceMs: 0, resumed: false,
        iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '1:a', credential: 'x' }],
        limits: { maxMessageBytes: 1, messagesPerSecond: 1, messageBurst: 1, maxPeersPerRoom: 1, heartbeatTimeoutMs: 1 } },
    }
    expect(checkServerFrame(reply)).toBe(true)
    for (const v of [null, [], 'auth', 1, [reply]]) expect(checkServerFrame(v)).toBe(ServerMessageSchema.safeParse(v).success)
  })
})
