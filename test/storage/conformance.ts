/**
 * @module The storage conformance suite: every Backend adapter runs `runBackendConformance` with a factory of
 * worlds (one shared state per test, several instances over it) and passes the same tests.
 */
import { describe, it, onTestFinished } from 'vitest'
import { busTests } from './conformance/bus.js'
import { countTests } from './conformance/counts.js'
import { expiryTests } from './conformance/expiry.js'
import { lifecycleTests } from './conformance/lifecycle.js'
import { membershipTests } from './conformance/membership.js'
import { recordTests } from './conformance/records.js'
import { resumeTests } from './conformance/resume.js'
import { roomTests } from './conformance/rooms.js'
import type { ConformanceOptions, Define, WorldFactory } from './conformance/fixtures.js'

export type { BackendWorld, ConformanceOptions, WorldFactory } from './conformance/fixtures.js'

export function runBackendConformance(name: string, factory: WorldFactory, options: ConformanceOptions = {}) {
  const gaps = options.knownGaps ?? {}
  const define: Define = (testName, body, timeoutMs) => {
    const gap = gaps[testName]
    const run = async () => {
      const world = await factory()
      onTestFinished(() => world.cleanup())
      await body(world)
    }
    if (gap) it.fails(`${testName} [known gap: ${gap}]`, run, timeoutMs)
    else it(testName, run, timeoutMs)
  }
  describe(`storage conformance: ${name}`, () => {
    describe('rooms', () => roomTests(define))
    describe('membership', () => membershipTests(define))
    describe('resume', () => resumeTests(define))
    describe('expiry', () => expiryTests(define))
    describe('counts', () => countTests(define))
    describe('audit and token uses', () => recordTests(define))
    const busNa = options.notApplicable?.bus
    if (busNa === undefined) describe('bus', () => busTests(define))
    else describe.skip(`bus [not applicable: ${busNa}]`, () => busTests(define))
    describe('lifecycle', () => lifecycleTests(define))
  })
}
