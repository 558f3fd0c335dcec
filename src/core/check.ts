import type { DeliveryFigures } from './report.js'
import { formatLatency, formatRate } from './report-format.js'
import { plural } from './plural.js'

/**
 * Monitoring-plugin exit states (Nagios, Icinga, Naemon, Sensu): not sysexits. A check that
 * cannot read its configuration or store is UNKNOWN, never CRITICAL or OK.
 */
export const CHECK_STATE = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const
export type CheckState = (typeof CHECK_STATE)[keyof typeof CHECK_STATE]
const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const

export interface CheckThresholds {
  /** Delivery rate in percent below which the state is WARNING / CRITICAL. */
  warnRate?: number | undefined
  critRate?: number | undefined
  /** p90 latency above which the state is WARNING / CRITICAL. */
  warnLatencyMs?: number | undefined
  critLatencyMs?: number | undefined
  /** PINs without a final report above which the state is WARNING / CRITICAL. */
  warnPending?: number | undefined
  maxPending?: number | undefined
  /** Failed sends (nothing went out) above which the state is WARNING / CRITICAL. */
  warnNotSent?: number | undefined
  critNotSent?: number | undefined
}

/** A failed send is a login without its PIN: one warns, more than this many are an outage. */
export const DEFAULT_WARN_NOT_SENT = 0
export const DEFAULT_CRIT_NOT_SENT = 2

export interface CheckResult {
  state: CheckState
  /** The plugin's one line: `SMS-KANNEL STATE - text | perfdata`. */
  line: string
}

/** Thresholds that contradict each other (a critical rate above the warning one); undefined when fine. */
export function thresholdProblem(thresholds: CheckThresholds): string | undefined {
  const { warnRate, critRate, warnLatencyMs, critLatencyMs, warnPending, maxPending, warnNotSent, critNotSent } = thresholds
  for (const [name, value] of [['--warn-rate', warnRate], ['--crit-rate', critRate]] as const) {
    if (value !== undefined && !(value >= 0 && value <= 100)) return `${name} must be a percentage from 0 to 100`
  }
  if (warnRate !== undefined && critRate !== undefined && critRate > warnRate) return '--crit-rate must not be above --warn-rate (a lower rate is worse)'
  if (warnLatencyMs !== undefined && critLatencyMs !== undefined && critLatencyMs < warnLatencyMs) return '--crit-latency must not be below --warn-latency'
  if (warnPending !== undefined && maxPending !== undefined && maxPending < warnPending) return '--max-pending must not be below --warn-pending'
  if (warnNotSent !== undefined && critNotSent !== undefined && critNotSent < warnNotSent) return '--crit-not-sent must not be below --warn-not-sent'
  return undefined
}

/** A perfdata value with its unit, warning and critical ranges, minimum and maximum. */
function perf(label: string, value: string, rest: Array<string | number | undefined> = []): string {
  return `${label}=${value}${rest.length > 0 ? `;${rest.map((part) => part ?? '').join(';')}` : ''}`
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : String(Math.round(ms) / 1000))

/**
 * The state of the window's PINs against the thresholds: the worst of rate, latency, pending
 * and failed sends. A window with no PINs (nobody logged in) is OK; so is a rate or latency
 * that cannot be known yet (nothing final, nothing delivered).
 */
export function evaluateCheck(figures: DeliveryFigures, thresholds: CheckThresholds, windowText: string): CheckResult {
  const problems: Array<{ state: CheckState; text: string }> = []
  const rate = figures.deliveryRatePercent
  const p90 = figures.latency?.p90Ms
  if (rate !== null) {
    if (thresholds.critRate !== undefined && rate < thresholds.critRate) problems.push({ state: CHECK_STATE.critical, text: `delivery rate ${formatRate(rate)} < ${thresholds.critRate}%` })
    else if (thresholds.warnRate !== undefined && rate < thresholds.warnRate) problems.push({ state: CHECK_STATE.warning, text: `delivery rate ${formatRate(rate)} < ${thresholds.warnRate}%` })
  }
  if (p90 !== undefined) {
    if (thresholds.critLatencyMs !== undefined && p90 > thresholds.critLatencyMs) problems.push({ state: CHECK_STATE.critical, text: `p90 latency ${formatLatency(p90)} > ${formatLatency(thresholds.critLatencyMs)}` })
    else if (thresholds.warnLatencyMs !== undefined && p90 > thresholds.warnLatencyMs) problems.push({ state: CHECK_STATE.warning, text: `p90 latency ${formatLatency(p90)} > ${formatLatency(thresholds.warnLatencyMs)}` })
  }
  if (thresholds.maxPending !== undefined && figures.pending > thresholds.maxPending) problems.push({ state: CHECK_STATE.critical, text: `${plural(figures.pending, 'PIN')} pending > ${thresholds.maxPending}` })
  else if (thresholds.warnPending !== undefined && figures.pending > thresholds.warnPending) problems.push({ state: CHECK_STATE.warning, text: `${plural(figures.pending, 'PIN')} pending > ${thresholds.warnPending}` })

  if (thresholds.critNotSent !== undefined && figures.notSent > thresholds.critNotSent) problems.push({ state: CHECK_STATE.critical, text: `${plural(figures.notSent, 'PIN')} not sent (send failed) > ${thresholds.critNotSent}` })
  else if (thresholds.warnNotSent !== undefined && figures.notSent > thresholds.warnNotSent) problems.push({ state: CHECK_STATE.warning, text: `${plural(figures.notSent, 'PIN')} not sent (send failed) > ${thresholds.warnNotSent}` })

  const state = problems.reduce<CheckState>((worst, problem) => Math.max(worst, problem.state) as CheckState, CHECK_STATE.ok)
  const notSent = figures.notSent > 0 ? `${figures.notSent} not sent` : ''
  const summary =
    figures.sent === 0
      ? `no PINs sent in the last ${windowText}${notSent && ` (${notSent})`}`
      : `${plural(figures.sent, 'PIN')} in the last ${windowText}: ${figures.delivered} delivered (${formatRate(rate)}), ${figures.failed} failed, ${figures.pending} pending` +
        (p90 === undefined ? '' : `, p90 ${formatLatency(p90)}`) + (notSent && `; ${notSent}`)
  const text = [...problems.sort((a, b) => b.state - a.state).map((problem) => problem.text), summary].join('; ')
  const perfdata = [
    perf('sent', String(figures.sent), ['', '', 0]),
    perf('delivered', String(figures.delivered), ['', '', 0]),
    perf('failed', String(figures.failed), ['', '', 0]),
    perf('pending', String(figures.pending), [thresholds.warnPending, thresholds.maxPending, 0]),
    perf('not_sent', String(figures.notSent), [thresholds.warnNotSent, thresholds.critNotSent, 0]),
    // Nagios ranges: "95:" alerts below 95.
    ...(rate === null ? [] : [perf('rate', `${Math.round(rate * 100) / 100}%`, [rangeBelow(thresholds.warnRate), rangeBelow(thresholds.critRate), 0, 100])]),
    ...(p90 === undefined ? [] : [perf('latency_p90', `${seconds(p90)}s`, [seconds(thresholds.warnLatencyMs), seconds(thresholds.critLatencyMs), 0])]),
  ]
  return { state, line: `SMS-KANNEL ${STATE_NAMES[state]} - ${text} | ${perfdata.join(' ')}` }
}

function rangeBelow(threshold: number | undefined): string | undefined {
  return threshold === undefined ? undefined : `${threshold}:`
}

/** The line for a check that could not look (configuration, store, flags): UNKNOWN. */
export function unknownCheckLine(message: string): string {
  return `SMS-KANNEL UNKNOWN - ${message.replace(/[\r\n|]+/g, ' ')}`
}
