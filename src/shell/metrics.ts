import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { DLR_TYPES, type DeliveryEvent } from '../core/dlr.js'
import type { CallbackMetrics, RefusalReason } from './callback-server.js'

/** Write latencies from a fraction of a millisecond (a group on a quiet day) to a slow disk's seconds. */
const WRITE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export interface MetricsProbes {
  /** Bytes of journal segments not yet deleted (stored, but maybe not yet on disk); for PostgreSQL, the backlog. */
  journalBytes: () => number
  /** When the newest report in the store was received, as serve starts; undefined for an empty store. */
  lastReportAtStart: Date | undefined
  now: () => Date
}

/** serve's /metrics in the Prometheus text format; prom-client is loaded only by serve. */
export function createServeMetrics(probes: MetricsProbes): CallbackMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'sms_kannel_' })
  const callbacks = new Counter({
    name: 'sms_kannel_callbacks_total',
    help: 'Delivery-report callbacks answered, by DLR type and result (new, duplicate: stored before, queued: kept in the journal while the database is down, failed: 503)',
    labelNames: ['type', 'result'] as const,
    registers: [registry],
  })
  const refused = new Counter({
    name: 'sms_kannel_callbacks_refused_total',
    help: 'Requests refused: bad (not a DLR, wrong method, malformed HTTP), forged (token missing or wrong), too_large (body, URL or headers), timeout (too slow)',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const connectionsRefused = new Counter({
    name: 'sms_kannel_connections_refused_total',
    help: 'Connections closed as they came because serve had as many open as it takes (its open-file limit less a reserve for its own files)',
    registers: [registry],
  })
  for (const reason of ['bad', 'forged', 'too_large', 'timeout'] as const) refused.inc({ reason }, 0)
  // Series that exist from the start: increase() sees the first rejected report, not only the second.
  for (const type of Object.values(DLR_TYPES)) callbacks.inc({ type, result: 'new' }, 0)
  const journalWrite = new Histogram({ name: 'sms_kannel_journal_write_seconds', help: 'Time to write and fsync one group of callbacks to the journal', buckets: WRITE_BUCKETS, registers: [registry] })
  const storeWrite = new Histogram({ name: 'sms_kannel_store_write_seconds', help: 'Time to commit one group of callbacks to the store', buckets: WRITE_BUCKETS, registers: [registry] })
  new Gauge({
    name: 'sms_kannel_journal_pending_bytes',
    help: 'Bytes in journal segments not yet deleted; grows when the store cannot be synced, or (PostgreSQL) takes no writes',
    registers: [registry],
    collect() {
      this.set(probes.journalBytes())
    },
  })
  // With no report in the store yet, the age counts from serve's start: at least that long without one.
  let lastReportMs = probes.lastReportAtStart?.getTime() ?? probes.now().getTime()
  new Gauge({
    name: 'sms_kannel_last_report_age_seconds',
    help: 'Seconds since the newest delivery report was received (since serve started, while the store has none)',
    registers: [registry],
    collect() {
      this.set(Math.max(0, (probes.now().getTime() - lastReportMs) / 1000))
    },
  })

  return {
    answered(event: DeliveryEvent, result) {
      callbacks.inc({ type: event.status, result })
      if (result !== 'failed') lastReportMs = Math.max(lastReportMs, Date.parse(event.receivedAt))
    },
    refused(reason: RefusalReason) {
      refused.inc({ reason })
    },
    connectionRefused: () => connectionsRefused.inc(),
    journalWritten: (seconds) => journalWrite.observe(seconds),
    storeWritten: (seconds) => storeWrite.observe(seconds),
    exposition: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  }
}
