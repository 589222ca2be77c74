/** @module The scenario suite: every scenario, once, for a named target. A target's test file is one call to `runSuite`. */
import { describe } from 'vitest'
import { targets, type TargetName } from '../support/targets.js'
import type { Feature, Target } from '../support/target.js'
import { admissionScenarios } from './admission.js'
import { authScenarios } from './auth.js'
import { badFrameScenarios } from './bad-frames.js'
import { lifecycleScenarios } from './lifecycle.js'
import { limitScenarios } from './limits.js'
import { meshScenarios } from './mesh.js'
import { roomScenarios } from './rooms.js'
import { seedFlowScenarios } from './seed-flow.js'
import { sessionScenarios } from './sessions.js'
import { urlRoomScenarios } from './url-room.js'
import { yjsScenarios } from './yjs.js'

/** Scenario areas; one that needs a feature as a whole names it, and is skipped with the reason where it is lacking. */
const AREAS: (((target: Target) => void) | [(target: Target) => void, Feature])[] = [
  seedFlowScenarios,
  meshScenarios,
  authScenarios,
  urlRoomScenarios,
  badFrameScenarios,
  limitScenarios,
  admissionScenarios,
  lifecycleScenarios,
  roomScenarios,
  sessionScenarios,
  [yjsScenarios, 'yjs'],
]

/** Defines the whole suite for one target, skipped (visibly, or failing under REQUIRE_ALL_COMPONENTS=1) when it cannot run here. */
export async function runSuite(name: TargetName) {
  const target = targets[name]
  const available = await target.available()
  describe.skipIf(!available)(`scenarios on ${target.name}`, () => {
    for (const entry of AREAS) {
      const [area, feature] = Array.isArray(entry) ? entry : [entry, null]
      const why = feature === null ? undefined : target.lacks?.[feature]
      if (why === undefined) area(target)
      else describe.skip(`${area.name} [${target.name} has no ${feature}: ${why}]`, () => area(target))
    }
  })
}
