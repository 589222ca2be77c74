/** @module Sessions (spec v2): replacement, resume and away peers, on one deployment with a short reconnect grace. */
import { describe } from 'vitest'
import { GRACE } from '../support/sessions.js'
import { deploy } from '../support/stage.js'
import type { Target } from '../support/target.js'
import { awayScenarios } from './away.js'
import { joiningScenarios } from './joining.js'
import { resumeScenarios } from './resume.js'

export function sessionScenarios(target: Target) {
  describe(`sessions (RECONNECT_GRACE=${GRACE})`, () => {
    // CLEANUP_INTERVAL: sweeps that would wrongly announce an away peer get their chance within each test.
    const s = deploy(target, { RECONNECT_GRACE: String(GRACE), MESSAGE_BURST: '1000', CLEANUP_INTERVAL: '100' })
    joiningScenarios(s)
    resumeScenarios(s)
    awayScenarios(s)
  })
}
