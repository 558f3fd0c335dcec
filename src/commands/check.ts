import { DEFAULT_CRIT_NOT_SENT, DEFAULT_WARN_NOT_SENT, evaluateCheck, thresholdProblem, type CheckResult, type CheckThresholds } from '../core/check.js'
import type { ConfigSources } from '../core/config.js'
import { parseDurationMs } from '../core/duration.js'
import { UsageError } from '../core/errors.js'
import { formatSpan, parseReportTime } from '../core/report-time.js'
import { readDeliveryReport, type ReportIo } from './report.js'

export interface CheckInput {
  sources: ConfigSources
  /** The flags as typed: --window, --warn-rate, --crit-rate, --warn-latency, --crit-latency, --warn-pending, --max-pending, --warn-not-sent, --crit-not-sent. */
  window?: string | undefined
  warnRate?: string | undefined
  critRate?: string | undefined
  warnLatency?: string | undefined
  critLatency?: string | undefined
  warnPending?: string | undefined
  maxPending?: string | undefined
  warnNotSent?: string | undefined
  critNotSent?: string | undefined
  now: Date
}

export const DEFAULT_CHECK_WINDOW = '15m'

/** A monitoring plugin: the PINs sent in the last --window, against the thresholds. */
export async function check(input: CheckInput, io: ReportIo): Promise<CheckResult> {
  const nowMs = input.now.getTime()
  const windowText = input.window ?? DEFAULT_CHECK_WINDOW
  const sinceMs = /^\d{1,6}[mhd]$/.test(windowText) ? parseReportTime(windowText, nowMs, 'UTC') : undefined
  if (sinceMs === undefined || sinceMs >= nowMs) throw new UsageError(`--window ${JSON.stringify(windowText.slice(0, 20))} is not a span such as 15m, 1h or 1d.`)
  const thresholds: CheckThresholds = {
    warnRate: numberFlag('--warn-rate', input.warnRate),
    critRate: numberFlag('--crit-rate', input.critRate),
    warnLatencyMs: durationFlag('--warn-latency', input.warnLatency),
    critLatencyMs: durationFlag('--crit-latency', input.critLatency),
    warnPending: countFlag('--warn-pending', input.warnPending),
    maxPending: countFlag('--max-pending', input.maxPending),
    ...notSentThresholds(countFlag('--warn-not-sent', input.warnNotSent), countFlag('--crit-not-sent', input.critNotSent)),
  }
  const problem = thresholdProblem(thresholds)
  if (problem) throw new UsageError(`${problem}.`)
  const result = await readDeliveryReport(input.sources, [sinceMs, nowMs], io, 'check')
  return evaluateCheck(result.total, thresholds, formatSpan(nowMs - sinceMs))
}

/** The defaults give way to a flag given alone: --warn-not-sent 5 raises the critical one to 5. */
function notSentThresholds(warn: number | undefined, crit: number | undefined): { warnNotSent: number; critNotSent: number } {
  if (warn === undefined) return { warnNotSent: Math.min(DEFAULT_WARN_NOT_SENT, crit ?? DEFAULT_CRIT_NOT_SENT), critNotSent: crit ?? DEFAULT_CRIT_NOT_SENT }
  return { warnNotSent: warn, critNotSent: crit ?? Math.max(DEFAULT_CRIT_NOT_SENT, warn) }
}

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,3}(\.\d+)?$/.test(value.trim())) throw new UsageError(`${flag} ${JSON.stringify(value.slice(0, 20))} is not a percentage such as 95 or 99.5.`)
  return Number(value)
}

function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDurationMs(value)
  if (ms === undefined) throw new UsageError(`${flag} ${JSON.stringify(value.slice(0, 20))} is not a duration such as 30s, 1500ms or 2m.`)
  return ms
}

function countFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value.trim())) throw new UsageError(`${flag} ${JSON.stringify(value.slice(0, 20))} is not a whole number.`)
  return Number(value)
}
