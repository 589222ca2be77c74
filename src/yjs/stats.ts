/** @module The /yjs block of GET /api/stats: this instance's sockets and topics, and the endpoint's counters. */
import type { YjsMetrics } from '../ops/metrics.js'
import type { Yjs } from './hub.js'

export const yjsStats = (yjs: Yjs, m: YjsMetrics) => ({
  connections: yjs.size,
  localTopics: yjs.topics,
  joins: m.joins,
  leaves: m.leaves,
  publishes: m.publishes,
  deliveries: m.deliveries,
  dropped: { ...m.dropped },
  ignoredTopics: m.ignoredTopics,
  refused: { ...m.refused },
  rejectedFrames: { ...m.rejectedFrames },
  relayFailures: m.relayFailures,
})
