/** Kannel's bearerbox log writes its host's wall-clock time with no zone: shown as written. */
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/

/**
 * A time for people: in `timeZone` (the host's, TZ respected), with its UTC offset, so a
 * reader never has to guess: "2026-11-28 11:16:54 +01:00". Machine output stays UTC.
 * @example formatLocalTime('2026-11-28T10:16:54Z', 'Europe/Berlin') === '2026-11-28 11:16:54 +01:00'
 */
export function formatLocalTime(iso: string, timeZone: string): string {
  const date = new Date(iso)
  if (!HAS_ZONE.test(iso) || Number.isNaN(date.getTime())) return `${iso.replace('T', ' ').replace(/\.\d+$/, '')} (zone unknown)`
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date)
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00'
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${offset}`
}
