import { showControlCharacters } from './control-chars.js'
import type { DeliveryFigures, DeliveryReport } from './report.js'
import { describeZoneOver, formatLocal, formatOffset, intervalLabels, type IntervalUnit } from './report-time.js'

/** Bumped when a field changes meaning. */
export const REPORT_SCHEMA = 'sms-kannel/report@2'

/** DeliveryFigures as --json prints them: latency as { p50, p90, p99 } in milliseconds. */
export type FiguresDocument = Omit<DeliveryFigures, 'latency'> & { latencyMs: { p50: number; p90: number; p99: number } | null }

/** What `report --json` prints, and what the table, CSV and HTML page are made from. */
export interface ReportDocument {
  schema: typeof REPORT_SCHEMA
  since: string
  until: string
  timeZone: string
  /** `Europe/Berlin (UTC+01:00)`; each offset of the span when it crosses a change: `(UTC+02:00/+01:00)`. */
  zoneLabel: string
  by: IntervalUnit
  total: FiguresDocument
  intervals: Array<{ start: string; end: string; label: string } & FiguresDocument>
  failuresByReason: Array<{ reason: string; count: number }>
  bySmsc: Array<{ smsc: string | null } & FiguresDocument>
}

function figuresDocument(figures: DeliveryFigures): FiguresDocument {
  return {
    sent: figures.sent,
    accepted: figures.accepted,
    delivered: figures.delivered,
    failed: figures.failed,
    pending: figures.pending,
    notSent: figures.notSent,
    deliveryRatePercent: figures.deliveryRatePercent === null ? null : Math.round(figures.deliveryRatePercent * 100) / 100,
    latencyMs: figures.latency && { p50: figures.latency.p50Ms, p90: figures.latency.p90Ms, p99: figures.latency.p99Ms },
  }
}

export function reportDocument(report: DeliveryReport, options: { timeZone: string; by: IntervalUnit }): ReportDocument {
  const iso = (ms: number) => new Date(ms).toISOString()
  const starts = report.intervals.map((interval) => interval.startMs)
  const labels = intervalLabels(starts, options.timeZone, options.by)
  return {
    schema: REPORT_SCHEMA,
    since: iso(report.sinceMs),
    until: iso(report.untilMs),
    timeZone: options.timeZone,
    zoneLabel: describeZoneOver([...starts, report.untilMs], options.timeZone),
    by: options.by,
    total: figuresDocument(report.total),
    intervals: report.intervals.map((interval, index) => ({
      start: iso(interval.startMs),
      end: iso(interval.endMs),
      label: labels[index]!,
      ...figuresDocument(interval),
    })),
    failuresByReason: report.failuresByReason,
    bySmsc: report.bySmsc.map((smsc) => ({ smsc: smsc.smsc, ...figuresDocument(smsc) })),
  }
}

/** `850ms`, `4.2s`, `37s`, `3m05s`. */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

export function formatRate(percent: number | null): string {
  return percent === null ? '-' : `${percent.toFixed(1)}%`
}

/** The SMSC name came from a callback: its control characters are shown, never sent to a terminal. */
export function smscLabel(smsc: string | null): string {
  return smsc === null ? '(no SMSC)' : showControlCharacters(smsc)
}

const BAR_WIDTH = 24
export const BAR_GLYPHS = { delivered: '█', failed: '×', pending: '·', notSent: '!' } as const

/** A row's logins: the PINs sent and the sends that failed. */
export const logins = (figures: FiguresDocument) => figures.sent + figures.notSent

/** The row's logins as a bar scaled to the busiest row: delivered, then failed, pending, not sent. */
export function figuresBar(figures: FiguresDocument, busiest: number): string {
  const all = logins(figures)
  if (all === 0 || busiest === 0) return ''
  const width = Math.max(1, Math.round((all / busiest) * BAR_WIDTH))
  const cells = (count: number) => (count > 0 ? Math.max(1, Math.round((count / all) * width)) : 0)
  const [failed, pending, notSent] = [cells(figures.failed), cells(figures.pending), cells(figures.notSent)]
  const delivered = Math.max(0, width - failed - pending - notSent)
  return BAR_GLYPHS.delivered.repeat(delivered) + BAR_GLYPHS.failed.repeat(failed) + BAR_GLYPHS.pending.repeat(pending) + BAR_GLYPHS.notSent.repeat(notSent)
}

function figureCells(figures: FiguresDocument): string[] {
  const latency = figures.latencyMs
  return [
    String(figures.sent), String(figures.accepted), String(figures.delivered), String(figures.failed), String(figures.pending), String(figures.notSent),
    formatRate(figures.deliveryRatePercent),
    latency ? formatLatency(latency.p50) : '-', latency ? formatLatency(latency.p90) : '-', latency ? formatLatency(latency.p99) : '-',
  ]
}

/** Right-aligned numbers, left-aligned first and last columns. */
function alignTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...row[column]!].length)))
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 || column === row.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  )
}

/** The span's first and last minute in the zone, each with its offset when the span crosses a change. */
export function spanEnds(document: ReportDocument): [from: string, to: string] {
  // Not the zone's name (Europe/Berlin): the offsets in brackets, `(UTC+02:00/+01:00)`.
  const crossesChange = /\(UTC[^)]*\/[^)]*\)$/.test(document.zoneLabel)
  return [document.since, document.until].map((iso) => {
    const ms = Date.parse(iso)
    const local = formatLocal(ms, document.timeZone, 'minute')
    return crossesChange ? `${local} ${formatOffset(ms, document.timeZone)}` : local
  }) as [string, string]
}

/** The report for a person at a terminal. */
export function formatReportTable(document: ReportDocument): string[] {
  const busiest = Math.max(0, ...document.intervals.map(logins))
  const header = ['interval', 'sent', 'accepted', 'delivered', 'failed', 'pending', 'not sent', 'rate', 'p50', 'p90', 'p99', '']
  const rows = [
    header,
    ...document.intervals.map((interval) => [interval.label, ...figureCells(interval), figuresBar(interval, busiest)]),
    ['total', ...figureCells(document.total), ''],
  ]
  const [from, to] = spanEnds(document)
  const lines = [`PIN delivery ${from} to ${to}, by ${document.by}, times in ${document.zoneLabel}`, '', ...alignTable(rows)]
  lines.push(`(${BAR_GLYPHS.delivered} delivered  ${BAR_GLYPHS.failed} failed  ${BAR_GLYPHS.pending} pending  ${BAR_GLYPHS.notSent} not sent: the send failed, nothing went out; rate = delivered / (delivered + failed); latency from send to delivered)`)
  lines.push('', 'Failures by reason:')
  if (document.failuresByReason.length === 0) lines.push('  none')
  for (const failure of document.failuresByReason) lines.push(`  ${String(failure.count).padStart(6)}  ${failure.reason}`)
  lines.push('', 'By SMSC:')
  if (document.bySmsc.length === 0) lines.push('  none')
  else lines.push(...alignTable([['smsc', 'sent', 'delivered', 'failed', 'pending', 'not sent', 'rate', ''], ...document.bySmsc.map((smsc) => [smscLabel(smsc.smsc), String(smsc.sent), String(smsc.delivered), String(smsc.failed), String(smsc.pending), String(smsc.notSent), formatRate(smsc.deliveryRatePercent), ''])]).map((line) => `  ${line}`))
  return lines
}

/** One row per interval for spreadsheets (RFC 4180; times in UTC and as labelled in the zone). */
export function formatReportCsv(document: ReportDocument): string[] {
  const header = ['start', 'end', `interval (${document.timeZone})`, 'sent', 'accepted', 'delivered', 'failed', 'pending', 'not_sent', 'delivery_rate_percent', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms']
  const number = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value))
  return [
    header.map(csvCell).join(','),
    ...document.intervals.map((interval) =>
      [
        interval.start, interval.end, interval.label, number(interval.sent), number(interval.accepted), number(interval.delivered), number(interval.failed),
        number(interval.pending), number(interval.notSent), number(interval.deliveryRatePercent), number(interval.latencyMs?.p50), number(interval.latencyMs?.p90), number(interval.latencyMs?.p99),
      ].map(csvCell).join(','),
    ),
  ]
}

/** Quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
