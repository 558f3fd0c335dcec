import { resolveConfig, type ConfigSources } from '../core/config.js'
import { ConfigError, StoreError, UsageError } from '../core/errors.js'
import { deliveryReportFromGroups, type DeliveryReport, type MessageGroup } from '../core/report.js'
import { reportDocument, type ReportDocument } from '../core/report-format.js'
import { defaultUnit, intervalBoundaries, isKnownTimeZone, MAX_INTERVALS, parseReportTime, type IntervalUnit } from '../core/report-time.js'
/** What report and check read: an SQLite file or a PostgreSQL database (SharedEventStore). */
export interface ReportStore {
  reportGroups(boundaries: readonly number[]): Promise<MessageGroup[]>
  close(): Promise<void>
}

export interface ReportIo {
  openStore: (location: string) => Promise<ReportStore>
  /** A store that is not there is an error here, not an empty report: the path may be wrong. */
  storeExists: (location: string) => boolean
}

export interface ReportInput {
  sources: ConfigSources
  since: string | undefined
  until: string | undefined
  by: IntervalUnit | undefined
  timeZone: string
  now: Date
}

const TIME_FORMS = 'Use a duration back from now (90m, 24h, 7d), a date (2026-11-01), a local time (2026-11-01 08:30) or ISO 8601 with zone.'

/** "Are PINs arriving, how fast, and since when not?": the figures of a span, interval by interval. */
export async function report(input: ReportInput, io: ReportIo): Promise<ReportDocument> {
  if (!isKnownTimeZone(input.timeZone)) throw new UsageError(`--tz ${JSON.stringify(input.timeZone.slice(0, 40))} is not a time zone.`, 'Use an IANA name such as Europe/Berlin or UTC.')
  const nowMs = input.now.getTime()
  const sinceMs = parseSpanEnd('--since', input.since ?? '24h', nowMs, input.timeZone)
  const untilMs = parseSpanEnd('--until', input.until ?? 'now', nowMs, input.timeZone)
  if (sinceMs >= untilMs) throw new UsageError('--since must be before --until.')
  const by = input.by ?? defaultUnit(sinceMs, untilMs)
  const boundaries = intervalBoundaries(sinceMs, untilMs, by, input.timeZone)
  if (boundaries.length > MAX_INTERVALS + 1) throw new UsageError(`That span has more than ${MAX_INTERVALS} intervals of one ${by}.`, 'Use --by day, or a shorter span.')
  const result = await readDeliveryReport(input.sources, boundaries, io, 'report')
  return reportDocument(result, { timeZone: input.timeZone, by })
}

function parseSpanEnd(flag: string, value: string, nowMs: number, timeZone: string): number {
  const ms = parseReportTime(value, nowMs, timeZone)
  if (ms === undefined) throw new UsageError(`${flag} ${JSON.stringify(value.slice(0, 40))} is not a time.`, TIME_FORMS)
  return ms
}

/** Opens the store named by the configuration and folds its sends and reports into the intervals. */
export async function readDeliveryReport(sources: ConfigSources, boundaries: readonly number[], io: ReportIo, command: string): Promise<DeliveryReport> {
  const { storePath } = resolveConfig(sources, ['storePath']).config
  if (!storePath) throw new ConfigError(`${command} needs the event store that send, feedback and serve write.`, 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')
  if (!io.storeExists(storePath)) throw new StoreError(`The event store ${storePath} does not exist.`, 'Check smskannel.store (or --store): it is the file send, feedback and serve write.')
  const store = await io.openStore(storePath)
  try {
    return deliveryReportFromGroups(await store.reportGroups(boundaries), boundaries)
  } finally {
    await store.close()
  }
}
