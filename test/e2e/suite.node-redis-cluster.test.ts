import { runSuite } from './scenarios/index.js'

await runSuite('node-redis-cluster')
