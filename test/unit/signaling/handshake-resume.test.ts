/**
 * @module Handshake, resume: a resume token moves an away session to a new socket (here or on the other instance) with
 * its kept frames; anything unusable is a normal join, a replacement when the user is still present.
 */
import { describe, expect, it } from 'vitest'
import { createCluster, createWorld, flush, offer, peerRecord, storeJoin, until, type Client, type Joined, type World } from './fixtures.js'

const presence = (c: Client) => c.fresh().filter((f) => f.type === 'peer-joined' || f.type === 'peer-left').map((f) => `${f.type} ${f.userId} ${String(f.data?.reason ?? f.data?.replaced)}`)
const types = (c: Client) => c.frames.map((f) => f.type)

async function trio() {
  const w = await createWorld()
  const [alice, bob, carol] = [await w.join('alice', 'r1'), await w.join('bob', 'r1'), await w.join('carol', 'r1')]
  await flush()
  for (const c of [alice, bob, carol]) c.fresh()
  return { w, alice, bob, carol }
}

describe('resume on the same instance', () => {
  it('replies resumed with a fresh token, then the kept frames byte for byte, and the room hears nothing ever', async () => {
    const { w, alice, bob, carol } = await trio()
    const joinedAt = w.scheduler.now()
    bob.drop()
    alice.send(offer('bob', 'first'))
    w.scheduler.advance(500)
    carol.send(offer(null, 'second'))
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    alice.send(offer('bob', 'third'))
    expect(back.auth.resumed).toBe(true)
    expect(back.auth.peers.map((p) => p.userId)).toEqual(['alice', 'carol'])
    expect(back.auth.resumeToken).not.toBe(bob.auth.resumeToken)
    expect(types(back)).toEqual(['auth', 'sdp-offer', 'sdp-offer', 'sdp-offer'])
    expect(back.socket.raw[2]).toBe(alice.socket.raw.at(-1))
    expect(back.frames.slice(1).map((f) => [f.data?.sdp, f.timestamp])).toEqual([['first', joinedAt], ['second', joinedAt + 500], ['third', joinedAt + 500]])
    w.scheduler.advance(60_000)
    await flush()
    expect([...presence(alice), ...presence(carol)]).toEqual([])
    const record = (await w.backend.rooms.listPeers('r1', w.scheduler.now())).find((p) => p.userId === 'bob')
    expect(record).toMatchObject({ connectionId: back.conn.id, joinedAt })
    expect(w.metrics.resumes).toBe(1)
    expect(w.audits.filter((a) => a.event === 'resume')).toHaveLength(1)
    expect(w.signaling.away.size).toBe(0)
  })

  it('closes the old socket if it is still open (replaced, 4009) and announces nothing', async () => {
    const { w, alice, bob } = await trio()
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    expect(back.auth.resumed).toBe(true)
    expect([bob.errorCodes(), bob.socket.closed?.code]).toEqual([['replaced'], 4009])
    expect(presence(alice)).toEqual([])
    expect(await w.peers('r1')).toEqual(['alice', 'bob', 'carol'])
    alice.send(offer('bob'))
    expect(back.ofType('sdp-offer')).toHaveLength(1)
  })
})

describe('a resume token that cannot be used is a normal join', () => {
  it('a second use of the same token replaces the resumed session', async () => {
    const { w, alice, bob } = await trio()
    bob.drop()
    const first = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    const second = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    expect([first.auth.resumed, second.auth.resumed]).toEqual([true, false])
    expect(first.socket.closed?.code).toBe(4009)
    expect(presence(alice)).toEqual(['peer-left bob replaced', 'peer-joined bob true'])
    expect(second.errorCodes()).toEqual([])
  })

  const unusable: [string, (w: World, alice: Joined) => Promise<string>][] = [
    ['garbled', async () => 'garbage.not.jwt'],
    ['for another user', async (_w, alice) => alice.auth.resumeToken ?? ''],
    ['for another room', async (w) => (await w.join('bob', 'r2')).auth.resumeToken ?? ''],
  ]
  it.each(unusable)('a %s token replaces the away session, with no error and no close', async (_name, tokenFor) => {
    const { w, alice, bob, carol } = await trio()
    const token = await tokenFor(w, alice)
    bob.drop()
    const back = await w.join('bob', 'r1', { resumeToken: token })
    await flush()
    expect(back.auth.resumed).toBe(false)
    expect([back.errorCodes(), back.socket.closed]).toEqual([[], null])
    expect(presence(carol)).toEqual(['peer-left bob replaced', 'peer-joined bob true'])
    expect(w.signaling.away.size).toBe(0)
    expect(await w.peers('r1')).toEqual(['alice', 'carol', 'bob'])
  })

  it('after the grace it is a plain join: peer-left disconnected, later peer-joined replaced:false', async () => {
    const { w, alice, bob } = await trio()
    bob.drop()
    w.scheduler.advance(w.config.ws.reconnectGraceMs)
    await flush()
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    expect(back.auth.resumed).toBe(false)
    expect(presence(alice)).toEqual(['peer-left bob disconnected', 'peer-joined bob false'])
  })
})

describe('a resuming socket that drops', () => {
  // Documented (protocol.md, "Other rules"): a resume that drops again before its reply may end the session. It does,
  // also when the drop comes before the store moved the session: the kept frames are gone and the token is spent.
  it('before its reply ends the session: one peer-left "disconnected", and the token then joins plainly', async () => {
    const { w, alice, bob } = await trio()
    bob.drop()
    alice.send(offer('bob', 'kept'))
    const attempt = w.connect()
    await attempt.sendAuth('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    for (let i = 0; i < 1000 && !w.signaling.rooms.get('r1')?.joining.has(attempt.conn); i++) await Promise.resolve()
    attempt.drop()
    await flush()
    expect(presence(alice)).toEqual(['peer-left bob disconnected'])
    const back = await w.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    await flush()
    expect(back.auth.resumed).toBe(false)
    expect(back.ofType('sdp-offer')).toEqual([])
    expect(presence(alice)).toEqual(['peer-joined bob false'])
  })
})

describe('resume on the other instance', () => {
  it('hands the kept frames over: reply, then kept frames in order, then newer ones; nobody hears presence', async () => {
    const [w1, w2] = await createCluster()
    const alice = await w1.join('alice', 'r1')
    const bob = await w1.join('bob', 'r1')
    const carol = await w2.join('carol', 'r1')
    await flush()
    for (const c of [alice, carol]) c.fresh()
    bob.drop()
    alice.send(offer('bob', 'one'))
    carol.send(offer('bob', 'two'))
    await flush()
    const back = await w2.join('bob', 'r1', { resumeToken: bob.auth.resumeToken ?? '' })
    alice.send(offer('bob', 'three'))
    await until(() => back.ofType('sdp-offer').length === 3, 'three signals')
    expect(back.auth.resumed).toBe(true)
    expect(back.frames.map((f) => `${f.type} ${String(f.data?.sdp ?? '')}`)).toEqual(['auth ', 'sdp-offer one', 'sdp-offer two', 'sdp-offer three'])
    w1.scheduler.advance(60_000)
    await flush()
    expect([...presence(alice), ...presence(carol)]).toEqual([])
    expect((await w2.backend.rooms.listPeers('r1', w2.scheduler.now())).find((p) => p.userId === 'bob')?.instanceId).toBe('i2')
    expect([w1.signaling.away.size, w2.signaling.away.size]).toEqual([0, 0])
  })

  it('releases what waits for a handover that never comes after the handover timeout', async () => {
    const w = await createWorld({ instanceId: 'i2' })
    await storeJoin(w, peerRecord('bob', 'b-old', 'i-gone'))
    const resumeToken = await w.resumeTokens.issue({ userId: 'bob', roomId: 'r1', sessionConnectionId: 'b-old', joinedAt: w.scheduler.now() })
    const alice = await w.join('alice', 'r1')
    const back = await w.join('bob', 'r1', { resumeToken })
    alice.send(offer('bob', 'waits'))
    await flush()
    expect(back.auth.resumed).toBe(true)
    expect(types(back)).toEqual(['auth'])
    w.scheduler.advance(2999)
    expect(types(back)).toEqual(['auth'])
    w.scheduler.advance(1)
    expect(types(back)).toEqual(['auth', 'sdp-offer'])
  })
})
