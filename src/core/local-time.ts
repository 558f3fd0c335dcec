import { formatLocal, formatOffset, localTime } from './report-time.js'

/** Kannel's bearerbox log writes its host's wall-clock time with no zone: shown as written. */
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/

/**
 * A time for people: in `timeZone` (the host's, TZ respected), with its UTC offset, so a
 * reader never has to guess: "2026-11-28 11:16:54 +01:00". Machine output stays UTC.
 * @example formatLocalTime('2026-11-28T10:16:54Z', 'Europe/Berlin') === '2026-11-28 11:16:54 +01:00'
 */
export function formatLocalTime(iso: string, timeZone: string): string {
  const ms = new Date(iso).getTime()
  if (!HAS_ZONE.test(iso) || Number.isNaN(ms)) return `${iso.replace('T', ' ').replace(/\.\d+$/, '')} (zone unknown)`
  const { second } = localTime(ms, timeZone)
  return `${formatLocal(ms, timeZone, 'minute')}:${String(second).padStart(2, '0')} ${formatOffset(ms, timeZone)}`
}
