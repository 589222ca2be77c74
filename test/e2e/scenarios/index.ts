/** @module The scenario suite: every scenario, once, for a named target. A target's test file is one call to `runSuite`. */
import { describe } from 'vitest'
import { targets, type TargetName } from '../support/targets.js'
import type { Target } from '../support/target.js'
import { admissionScenarios } from './admission.js'
import { authScenarios } from './auth.js'
import { badFrameScenarios } from './bad-frames.js'
import { lifecycleScenarios } from './lifecycle.js'
import { limitScenarios } from './limits.js'
import { meshScenarios } from './mesh.js'
import { roomScenarios } from './rooms.js'
import { seedFlowScenarios } from './seed-flow.js'
import { sessionScenarios } from './sessions.js'
import { yjsScenarios } from './yjs.js'

const AREAS: ((target: Target) => void)[] = [
  seedFlowScenarios,
  meshScenarios,
  authScenarios,
  badFrameScenarios,
  limitScenarios,
  admissionScenarios,
  lifecycleScenarios,
  roomScenarios,
  sessionScenarios,
  yjsScenarios,
]

/** Defines the whole suite for one target, skipped (visibly, or failing under REQUIRE_ALL_COMPONENTS=1) when it cannot run here. */
export async function runSuite(name: TargetName) {
  const target = targets[name]
  const available = await target.available()
  describe.skipIf(!available)(`scenarios on ${target.name}`, () => {
    for (const area of AREAS) area(target)
  })
}
