/**
 * Time spans and intervals for `report` and `check`, in a named time zone: a day is a day
 * where the admin is, so its boundaries are computed in that zone (DST days are 23 or 25 h).
 */

export type IntervalUnit = 'minute' | 'hour' | 'day'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS
const RELATIVE_UNIT_MS = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS } as const

/** Spans up to these are shown by the minute, then by the hour; longer ones by the day. */
export const BY_MINUTE_UP_TO_MS = 2 * HOUR_MS
export const HOURLY_UP_TO_MS = 3 * DAY_MS
/** More intervals than this make neither a readable table nor a chart. */
export const MAX_INTERVALS = 2000

interface LocalTime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Whether Intl knows the zone name (TZ may hold anything). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']!, minute: parts['minute']!, second: parts['second']! }
}

/** How far the zone is ahead of UTC at that instant, in ms (whole seconds). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const local = localTime(ms, timeZone)
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
  return asUtc - Math.floor(ms / 1000) * 1000
}

/**
 * The instant a wall-clock time names in the zone; fields may overflow (day 32 is the next
 * month's first). In a DST gap the clock time does not exist and the next hour is taken; a
 * time the clocks pass twice is its first occurrence (as `date` and Temporal's "compatible").
 */
export function fromLocalTime(local: Partial<LocalTime> & { year: number; month: number; day: number }, timeZone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0, local.second ?? 0)
  const first = wall - zoneOffsetMs(wall, timeZone)
  const gapOrOnly = wall - zoneOffsetMs(first, timeZone)
  // The offsets a day either side: an instant with either that shows this wall time is a match.
  const matches = [zoneOffsetMs(wall - DAY_MS, timeZone), zoneOffsetMs(wall + DAY_MS, timeZone)]
    .map((offset) => wall - offset)
    .filter((instant) => instant + zoneOffsetMs(instant, timeZone) === wall)
  return matches.length === 0 ? gapOrOnly : Math.min(...matches)
}

/**
 * A --since/--until value: `now`, a duration back from now (`90m`, `24h`, `7d`, `2w`), a
 * date (`2026-11-01`, midnight in the zone), a local date and time (`2026-11-01 08:30`),
 * or an ISO 8601 time with zone (`2026-11-01T08:30:00Z`). Undefined for anything else.
 */
export function parseReportTime(text: string, nowMs: number, timeZone: string): number | undefined {
  const value = text.trim()
  if (value === 'now') return nowMs
  const relative = /^(\d{1,6})\s*(m|h|d|w)$/.exec(value)
  if (relative) return nowMs - Number(relative[1]) * RELATIVE_UNIT_MS[relative[2] as keyof typeof RELATIVE_UNIT_MS]
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value)
  if (local) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((field) => Number(field ?? 0)) as [number, number, number, number, number, number]
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined
    return fromLocalTime({ year, month, day, hour, minute, second }, timeZone)
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value)
    return Number.isFinite(ms) ? ms : undefined
  }
  return undefined
}

export function defaultUnit(sinceMs: number, untilMs: number): IntervalUnit {
  const span = untilMs - sinceMs
  return span <= BY_MINUTE_UP_TO_MS ? 'minute' : span <= HOURLY_UP_TO_MS ? 'hour' : 'day'
}

/**
 * Interval boundaries from `since` to `until`: the first and last intervals are cut at the
 * span's ends, the others start on the zone's full hours or midnights.
 * @example intervalBoundaries(10:20, 12:00, 'hour', 'UTC') gives [10:20, 11:00, 12:00]
 */
export function intervalBoundaries(sinceMs: number, untilMs: number, unit: IntervalUnit, timeZone: string): number[] {
  const boundaries = [sinceMs]
  let cursor = sinceMs
  while (cursor < untilMs) {
    const local = localTime(cursor, timeZone)
    // An hour is an hour of real time, also through a DST change (that day has 23 or 25).
    const wholeSecond = cursor - (cursor % 1000)
    let next =
      unit === 'minute' ? wholeSecond - local.second * 1000 + MINUTE_MS
      : unit === 'hour' ? wholeSecond - (local.minute * 60 + local.second) * 1000 + HOUR_MS
      : fromLocalTime({ year: local.year, month: local.month, day: local.day + 1 }, timeZone)
    if (next <= cursor) next = cursor + MINUTE_MS
    cursor = Math.min(next, untilMs)
    boundaries.push(cursor)
    if (boundaries.length > MAX_INTERVALS + 1) break
  }
  return boundaries
}

/** `2026-11-28 14:05` (minute, hour) or `2026-11-28` (day), in the zone. */
export function formatLocal(ms: number, timeZone: string, unit: IntervalUnit): string {
  const local = localTime(ms, timeZone)
  const two = (value: number) => String(value).padStart(2, '0')
  const date = `${local.year}-${two(local.month)}-${two(local.day)}`
  return unit === 'day' ? date : `${date} ${two(local.hour)}:${two(local.minute)}`
}

/** The zone's UTC offset at that instant: `+01:00`, `-03:30`. */
export function formatOffset(ms: number, timeZone: string): string {
  const offsetMinutes = Math.round(zoneOffsetMs(ms, timeZone) / MINUTE_MS)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const absolute = Math.abs(offsetMinutes)
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`
}

/** `Europe/Berlin (UTC+02:00/+01:00)`: each offset the zone has at these instants, in their order. */
export function describeZoneOver(instants: readonly number[], timeZone: string): string {
  const offsets = [...new Set(instants.map((ms) => formatOffset(ms, timeZone)))]
  return `${timeZone} (UTC${offsets.join('/')})`
}

/**
 * Interval labels in the zone (formatLocal); a label the clocks show twice (the hour repeated
 * when they go back) gets its UTC offset: `2026-10-25 02:00 +02:00`, `2026-10-25 02:00 +01:00`.
 */
export function intervalLabels(starts: readonly number[], timeZone: string, unit: IntervalUnit): string[] {
  const labels = starts.map((ms) => formatLocal(ms, timeZone, unit))
  const seen = new Map<string, number>()
  for (const label of labels) seen.set(label, (seen.get(label) ?? 0) + 1)
  return labels.map((label, index) => (seen.get(label)! > 1 ? `${label} ${formatOffset(starts[index]!, timeZone)}` : label))
}

/** `15m`, `24h`, `7d` for a span, the way --window and --since take it back. */
export function formatSpan(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`
  return `${Math.round(ms / MINUTE_MS)}m`
}
