import { runSuite } from './scenarios/index.js'

await runSuite('workers')
