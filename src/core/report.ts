import { dlrStatusOf } from './dlr.js'
import { failureReason } from './report-reason.js'

/**
 * A send as `report` needs it (the store's `sends` row). Times are epoch ms: a million
 * reports are read per run, and the store converts them faster than Date.parse would.
 */
export interface ReportSend {
  messageId: string
  sentAtMs: number
  /** `send` recorded that it failed and nothing went out (sendFailed): the PIN went out only if a report says so. */
  notSent?: boolean
}

/**
 * Whether a send record's outcome says nothing went out: `failed (exit N)`, but not `failed
 * (exit 75, may have been sent)` (a timeout or 5xx after the gateway had the request).
 */
export function sendFailed(outcome: string): boolean {
  return outcome.startsWith('failed') && !outcome.includes(MAY_HAVE_BEEN_SENT)
}

const MAY_HAVE_BEEN_SENT = 'may have been sent'
/** sendFailed() in SQL, the same in SQLite and PostgreSQL (true or 1 when nothing went out). */
export const SEND_FAILED_SQL = `(substr(outcome, 1, 6) = 'failed' AND outcome NOT LIKE '%${MAY_HAVE_BEEN_SENT}%')`

/**
 * A stored delivery report as `report` needs it. `atMs` is Kannel's time (whole seconds),
 * else the receive time. `eventId` names a PIN without a message id and breaks ties between
 * a PIN's reports (null: the order read does); `smscReply` matters only for failures.
 */
export interface ReportEvent {
  eventId: string | null
  messageId: string | null
  dlr: number
  atMs: number
  smscId: string | null
  smscReply: string | null
}

export interface LatencyPercentiles {
  p50Ms: number
  p90Ms: number
  p99Ms: number
}

export interface DeliveryFigures {
  /** PINs sent: recorded by `send`, or known only from their reports (sent from another host, or refused by Kannel). */
  sent: number
  /** Sends that failed (recorded as `failed (exit N)`) with no report saying the PIN went out after all: not in `sent`. */
  notSent: number
  /** Accepted by the SMSC: a DLR 8 (or 4), or a final delivered/undelivered report, which only an SMSC that took the PIN sends. */
  accepted: number
  delivered: number
  /** A final undelivered (DLR 2) or rejected (DLR 16) report. */
  failed: number
  /** No final report yet. */
  pending: number
  /** delivered / (delivered + failed), in percent; null while nothing is final. */
  deliveryRatePercent: number | null
  /** From the send (or, without a send record, the first report) to the delivered report. */
  latency: LatencyPercentiles | null
}

export interface IntervalFigures extends DeliveryFigures {
  startMs: number
  endMs: number
}

export interface SmscFigures extends DeliveryFigures {
  /** Kannel's smsc-id; null when no report named one (e.g. "NACK/no SMSC"). */
  smsc: string | null
}

export interface DeliveryReport {
  sinceMs: number
  untilMs: number
  intervals: IntervalFigures[]
  total: DeliveryFigures
  /** Failures over the span by reason, most frequent first. */
  failuresByReason: Array<{ reason: string; count: number }>
  /** Per SMSC over the span, most PINs first. */
  bySmsc: SmscFigures[]
}

const NO_FINAL = 0
const DELIVERED = 1
const FAILED = 2

/** What one PIN's send and reports add up to. */
interface MessageState {
  startMs: number
  /** The start came from a send record: a report never moves it. */
  fromSend: boolean
  /** The send record says it failed; a report (any) proves otherwise. */
  sendFailed: boolean
  reported: boolean
  accepted: boolean
  outcome: typeof NO_FINAL | typeof DELIVERED | typeof FAILED
  finalMs: number
  finalWholeSeconds: boolean
  finalDlr: number | null
  finalReply: string | null
  /** Event ids of the reports that set the outcome and the SMSC, for ties (null: not known). */
  finalEventId: string | null
  smsc: string | null
  smscEventId: string | null
}

/** Reports are read from this long before a span (the rest of a PIN sent just before it) to this long after it (late reports). */
export const REPORT_MARGIN_MS = 2 * 24 * 3_600_000

const STORED_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?$/

/**
 * A stored time (sent_at, gateway_time, received_at) as epoch ms, read as the SQLite store's
 * unixepoch(…, 'subsec') reads it: ISO 8601, a time without zone as UTC, days past a month's
 * end carried over; NaN for anything else. For stores that hand over the text.
 */
export function storedTimeMs(text: string | null): number {
  const match = text === null ? null : STORED_TIME.exec(text)
  if (!match) return Number.NaN
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)))
  const [fraction, , sign, offsetHours, offsetMinutes] = match.slice(7)
  if (month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour > 24 || minute > 59 || second > 59) return Number.NaN
  if (sign !== undefined && (Number(offsetHours) > 14 || Number(offsetMinutes) > 59)) return Number.NaN
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000
  // Not Date.UTC: it reads the years 0 to 99 as 1900 to 1999.
  const date = new Date(0)
  date.setUTCFullYear(year!, month! - 1, day!)
  date.setUTCHours(hour, minute, 0)
  // As SQLite: the fraction capped at .999, then seconds to ms rounded.
  const fractionValue = fraction === undefined ? 0 : Math.min(0.999, Number(fraction) / 10 ** fraction.length)
  return date.getTime() + Math.trunc((second + fractionValue) * 1000 + 0.5) - offsetMs
}

/** Nearest rank: the smallest value with at least p% of all values at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

function newMessage(startMs: number, fromSend: boolean): MessageState {
  return { startMs, fromSend, sendFailed: false, reported: false, accepted: false, outcome: NO_FINAL, finalMs: 0, finalWholeSeconds: false, finalDlr: null, finalReply: null, finalEventId: null, smsc: null, smscEventId: null }
}

/** Whether report id `a` sorts before `b`; false when either is unknown (then the order read decides). */
function idBefore(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a < b
}

/** A PIN's state with its send added; a send without a valid time adds nothing. */
function addSend(message: MessageState | undefined, send: ReportSend): MessageState | undefined {
  if (!Number.isFinite(send.sentAtMs)) return message
  if (!message) message = newMessage(send.sentAtMs, true)
  message.startMs = send.sentAtMs
  message.fromSend = true
  message.sendFailed = send.notSent === true
  return message
}

/**
 * A PIN's state with one report added, whatever the order: the earliest final report decides
 * (same time: the lowest event id), the SMSC is the one the highest event id names.
 */
function addReport(message: MessageState | undefined, event: ReportEvent): MessageState | undefined {
  const atMs = event.atMs
  const status = dlrStatusOf(event.dlr)
  if (!Number.isFinite(atMs) || status === undefined) return message
  if (!message) message = newMessage(atMs, false)
  else if (!message.fromSend && atMs < message.startMs) message.startMs = atMs
  message.reported = true
  if (event.smscId !== null && !idBefore(event.eventId, message.smscEventId)) {
    message.smsc = event.smscId
    message.smscEventId = event.eventId
  }
  if (status === 'accepted' || status === 'buffered') {
    message.accepted = true
    return message
  }
  if (status === 'delivered' || status === 'undelivered') message.accepted = true
  if (message.outcome !== NO_FINAL && (message.finalMs < atMs || (message.finalMs === atMs && !idBefore(event.eventId, message.finalEventId)))) return message
  message.outcome = status === 'delivered' ? DELIVERED : FAILED
  message.finalMs = atMs
  message.finalWholeSeconds = atMs % 1000 === 0
  message.finalDlr = event.dlr
  message.finalReply = event.smscReply
  message.finalEventId = event.eventId
  return message
}

/**
 * Folds sends and reports into one state per PIN. Reports may come in any order and more
 * than once: the earliest final report decides the outcome (same time: the lowest event id),
 * repeats change nothing.
 * Reports without a message id (bearerbox's own log) each count as a PIN of their own.
 */
export function collectMessages(sends: Iterable<ReportSend>, events: Iterable<ReportEvent>): Map<string, MessageState> {
  const messages = new Map<string, MessageState>()
  for (const send of sends) {
    const message = addSend(undefined, send)
    if (message) messages.set(send.messageId, message)
  }
  for (const event of events) {
    const key = event.messageId ?? `event:${event.eventId}`
    const message = messages.get(key)
    const added = addReport(message, event)
    if (added && !message) messages.set(key, added)
  }
  return messages
}

/**
 * Kannel's report times have whole seconds: a send at 10:44:07.5 delivered "at 10:44:07"
 * took 0 s, not -0.5 s. A report before its send (clocks apart) gives no latency.
 */
function latencyOf(message: MessageState): number | null {
  if (message.outcome !== DELIVERED) return null
  if (!message.fromSend && message.finalMs === message.startMs) return null
  const start = message.finalWholeSeconds ? Math.floor(message.startMs / 1000) * 1000 : message.startMs
  const latency = message.finalMs - start
  return latency >= 0 ? latency : null
}

/**
 * PINs alike in everything the figures count, with how many there are: one PIN each when
 * folded here, or whole groups when the store adds them up itself (a million reports a run).
 */
export interface MessageGroup {
  /** Index of the interval the PIN's start falls in. */
  interval: number
  smsc: string | null
  accepted: boolean
  /** not-sent: the send failed and no report came (see ReportSend.notSent). */
  outcome: 'pending' | 'delivered' | 'failed' | 'not-sent'
  /** The DLR value and SMSC reply of the final report, for failures only. */
  failureDlr: number | null
  failureReply: string | null
  latencyMs: number | null
  count: number
}

/** Counts for one group of PINs, latencies gathered with their counts to be sorted once. */
class Tally {
  sent = 0
  notSent = 0
  accepted = 0
  delivered = 0
  failed = 0
  latencies: Array<[latencyMs: number, count: number]> = []

  add(group: MessageGroup): void {
    if (group.outcome === 'not-sent') {
      this.notSent += group.count
      return
    }
    this.sent += group.count
    if (group.accepted) this.accepted += group.count
    if (group.outcome === 'delivered') this.delivered += group.count
    else if (group.outcome === 'failed') this.failed += group.count
    if (group.latencyMs !== null) this.latencies.push([group.latencyMs, group.count])
  }

  figures(): DeliveryFigures {
    const finals = this.delivered + this.failed
    const latencies = this.latencies.sort((a, b) => a[0] - b[0])
    return {
      sent: this.sent,
      notSent: this.notSent,
      accepted: this.accepted,
      delivered: this.delivered,
      failed: this.failed,
      pending: this.sent - finals,
      deliveryRatePercent: finals === 0 ? null : (100 * this.delivered) / finals,
      latency: latencies.length === 0 ? null : { p50Ms: weightedPercentile(latencies, 50), p90Ms: weightedPercentile(latencies, 90), p99Ms: weightedPercentile(latencies, 99) },
    }
  }
}

/** percentile() over values given as [value, how often], sorted by value. */
export function weightedPercentile(sorted: ReadonlyArray<readonly [value: number, count: number]>, p: number): number {
  const total = sorted.reduce((sum, [, count]) => sum + count, 0)
  if (total === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * total))
  let seen = 0
  for (const [value, count] of sorted) {
    seen += count
    if (seen >= rank) return value
  }
  return sorted[sorted.length - 1]![0]
}

/** Index of the interval holding `ms` (boundaries ascending), or -1 outside the span. */
export function intervalIndex(boundaries: readonly number[], ms: number): number {
  if (ms < boundaries[0]! || ms >= boundaries[boundaries.length - 1]!) return -1
  let low = 0
  let high = boundaries.length - 2
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (boundaries[middle]! <= ms) low = middle
    else high = middle - 1
  }
  return low
}

/** A PIN as a group of one; undefined when its start is outside the span. */
function groupOf(message: MessageState, boundaries: readonly number[]): MessageGroup | undefined {
  const interval = intervalIndex(boundaries, message.startMs)
  if (interval === -1) return undefined
  const failed = message.outcome === FAILED
  return {
    interval,
    smsc: message.smsc,
    accepted: message.accepted,
    outcome: message.outcome === DELIVERED ? 'delivered' : failed ? 'failed' : message.sendFailed && !message.reported ? 'not-sent' : 'pending',
    failureDlr: failed ? message.finalDlr : null,
    failureReply: failed ? message.finalReply : null,
    latencyMs: latencyOf(message),
    count: 1,
  }
}

/** Each PIN of the span as a group of one. */
export function groupMessages(messages: Iterable<MessageState>, boundaries: readonly number[]): MessageGroup[] {
  const groups: MessageGroup[] = []
  for (const message of messages) {
    const group = groupOf(message, boundaries)
    if (group) groups.push(group)
  }
  return groups
}

/**
 * groupMessages(collectMessages(...)) for rows that come PIN by PIN (every row of a PIN next
 * to the others, in any order among them), with equal groups added up: a store can stream a
 * million reports in the order of its message-id index and hold only one PIN at a time.
 */
export class PinGrouper {
  private pin: string | undefined
  private message: MessageState | undefined
  private readonly groups = new Map<string, MessageGroup>()
  private readonly boundaries: readonly number[]

  constructor(boundaries: readonly number[]) {
    this.boundaries = boundaries
  }

  send(send: ReportSend): void {
    this.next(send.messageId)
    this.message = addSend(this.message, send)
  }

  /** Ties between a PIN's reports are decided by event id: give it for every report. */
  event(event: ReportEvent): void {
    this.next(event.messageId ?? `event:${event.eventId}`)
    this.message = addReport(this.message, event)
  }

  finish(): MessageGroup[] {
    this.next(undefined)
    return [...this.groups.values()]
  }

  private next(pin: string | undefined): void {
    if (pin === this.pin) return
    const group = this.message && groupOf(this.message, this.boundaries)
    if (group) {
      // Lengths first: no SMSC name or reply can make two groups' keys equal.
      const key = `${group.interval} ${group.accepted} ${group.outcome} ${group.failureDlr} ${group.latencyMs} ${group.smsc?.length ?? -1} ${group.failureReply?.length ?? -1} ${group.smsc ?? ''}${group.failureReply ?? ''}`
      const seen = this.groups.get(key)
      if (seen) seen.count += 1
      else this.groups.set(key, group)
    }
    this.pin = pin
    this.message = undefined
  }
}

/**
 * Every figure of the report: each PIN counts in the interval its send (or first report)
 * falls in, with whatever its reports say by now. `boundaries` are the interval edges,
 * ascending, from the span's start to its end (exclusive).
 */
export function buildDeliveryReport(input: { sends: Iterable<ReportSend>; events: Iterable<ReportEvent>; boundaries: readonly number[] }): DeliveryReport {
  return deliveryReportFromGroups(groupMessages(collectMessages(input.sends, input.events).values(), input.boundaries), input.boundaries)
}

/** The report from groups of PINs (groupMessages, or the store's own sums of the same). */
export function deliveryReportFromGroups(groups: Iterable<MessageGroup>, boundaries: readonly number[]): DeliveryReport {
  if (boundaries.length < 2) throw new RangeError('a report needs at least one interval')
  const tallies = Array.from({ length: boundaries.length - 1 }, () => new Tally())
  const total = new Tally()
  const bySmsc = new Map<string | null, Tally>()
  const reasons = new Map<string, number>()

  for (const group of groups) {
    tallies[group.interval]!.add(group)
    total.add(group)
    let smscTally = bySmsc.get(group.smsc)
    if (!smscTally) bySmsc.set(group.smsc, (smscTally = new Tally()))
    smscTally.add(group)
    if (group.outcome === 'failed') {
      const reason = failureReason(dlrStatusOf(group.failureDlr!)!, group.failureReply)
      reasons.set(reason, (reasons.get(reason) ?? 0) + group.count)
    }
  }

  return {
    sinceMs: boundaries[0]!,
    untilMs: boundaries[boundaries.length - 1]!,
    intervals: tallies.map((tally, index) => ({ startMs: boundaries[index]!, endMs: boundaries[index + 1]!, ...tally.figures() })),
    total: total.figures(),
    failuresByReason: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    bySmsc: [...bySmsc]
      .map(([smsc, tally]) => ({ smsc, ...tally.figures() }))
      .sort((a, b) => b.sent + b.notSent - (a.sent + a.notSent) || (a.smsc ?? '').localeCompare(b.smsc ?? '')),
  }
}
