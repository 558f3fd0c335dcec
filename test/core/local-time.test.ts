import { describe, expect, it } from 'vitest'
import { formatLocalTime } from '../../src/core/local-time.js'

describe('formatLocalTime: the host\'s zone, with the offset written out', () => {
  it.each([
    { iso: '2026-11-28T10:16:54Z', zone: 'UTC', want: '2026-11-28 10:16:54 +00:00' },
    { iso: '2026-11-28T10:16:54.640Z', zone: 'Europe/Berlin', want: '2026-11-28 11:16:54 +01:00' },
    { iso: '2026-07-01T10:16:54Z', zone: 'Europe/Berlin', want: '2026-07-01 12:16:54 +02:00' },
    { iso: '2026-11-28T23:30:00Z', zone: 'Asia/Kolkata', want: '2026-11-29 05:00:00 +05:30' },
    { iso: '2026-11-28T10:16:54+01:00', zone: 'America/New_York', want: '2026-11-28 04:16:54 -05:00' },
    { iso: '2026-11-28T09:38:09', zone: 'Europe/Berlin', want: '2026-11-28 09:38:09 (zone unknown)' },
  ])('$iso in $zone → $want', ({ iso, zone, want }) => {
    expect(formatLocalTime(iso, zone)).toBe(want)
  })
})
