/**
 * @module Prometheus exposition for the Node entry (prom-client). The core keeps plain counters (cheap
 * on the relay path); collectors copy them into prom-client metrics at scrape time.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { App } from '../../app.js'

/** Sets a labelled counter to the core's running totals (counters only ever grow, so this is safe). */
function mirror(counter: Counter<'key'>, totals: Record<string, number>) {
  counter.reset()
  for (const [key, n] of Object.entries(totals)) counter.inc({ key }, n)
}

export function createPrometheus(getCore: () => App) {
  const register = new Registry()
  collectDefaultMetrics({ register, prefix: 'octp2p_' })
  new Gauge({
    name: 'octp2p_connections',
    help: 'Open WebSocket connections on this instance',
    registers: [register],
    collect() {
      this.set(getCore().signaling.registry.size)
    },
  })
  new Gauge({
    name: 'octp2p_local_rooms',
    help: 'Rooms with at least one peer on this instance',
    registers: [register],
    collect() {
      this.set(getCore().signaling.rooms.size)
    },
  })
  new Gauge({
    name: 'octp2p_away_peers',
    help: 'Peers whose socket dropped, held on this instance for a resume (RECONNECT_GRACE)',
    registers: [register],
    collect() {
      this.set(getCore().signaling.away.size)
    },
  })
  new Gauge({
    name: 'octp2p_yjs_connections',
    help: 'Open /yjs (y-webrtc) sockets on this instance; octp2p_connections counts them too',
    registers: [register],
    collect() {
      this.set(getCore().yjs.size)
    },
  })
  new Gauge({
    name: 'octp2p_yjs_local_topics',
    help: '/yjs topics (rooms) with at least one subscriber on this instance',
    registers: [register],
    collect() {
      this.set(getCore().yjs.topics)
    },
  })
  new Gauge({
    name: 'octp2p_memory_status',
    help: 'Memory status: 0 ok, 1 warning, 2 critical',
    registers: [register],
    collect() {
      const s = getCore().monitor.status
      this.set(s === 'critical' ? 2 : s === 'warning' ? 1 : 0)
    },
  })
  const labelled = (name: string, help: string, read: (core: App) => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['key'],
      registers: [register],
      collect() {
        mirror(this, read(getCore()))
      },
    })
  labelled('octp2p_relayed_messages_total', 'Relayed signaling messages by the type the sender used (label key)', (c) => c.metrics.relayed)
  labelled('octp2p_auth_failures_total', 'Failed WebSocket authentications by reason (label key)', (c) => c.metrics.authFailures)
  labelled('octp2p_rejected_frames_total', 'Rejected WebSocket frames by reason (label key)', (c) => c.metrics.rejectedFrames)
  labelled('octp2p_room_events_total', 'Joins and leaves (label key)', (c) => ({ join: c.metrics.joins, leave: c.metrics.leaves }))
  labelled('octp2p_session_events_total', 'Sessions resumed, away peers expired, sockets replaced (label key)', (c) => ({
    resumed: c.metrics.resumes,
    expired: c.metrics.resumeExpiries,
    replaced: c.metrics.replacements,
  }))
  labelled('octp2p_yjs_events_total', '/yjs subscriptions, publishes, deliveries, ignored topics and failed relays (label key)', (c) => {
    const y = c.metrics.yjs
    return { join: y.joins, leave: y.leaves, publish: y.publishes, delivery: y.deliveries, ignored_topic: y.ignoredTopics, relay_failure: y.relayFailures }
  })
  labelled('octp2p_yjs_refused_upgrades_total', '/yjs upgrades refused by the token or room capacity check, by code (label key)', (c) => c.metrics.yjs.refused)
  labelled('octp2p_yjs_dropped_publishes_total', '/yjs publishes passed on to nobody, by reason (label key)', (c) => c.metrics.yjs.dropped)
  labelled('octp2p_yjs_rejected_frames_total', 'Rejected /yjs frames by reason (label key)', (c) => c.metrics.yjs.rejectedFrames)
  return {
    contentType: register.contentType,
    render: () => register.metrics(),
  }
}
