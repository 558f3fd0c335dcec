import { describe, expect, it } from 'vitest'
import { defaultUnit, describeZoneOver, formatLocal, intervalBoundaries, intervalLabels, parseReportTime } from '../../src/core/report-time.js'

const NOW = Date.parse('2026-11-28T14:35:00Z')
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

describe('parseReportTime', () => {
  it.each([
    { text: 'now', zone: 'UTC', expected: '2026-11-28T14:35:00.000Z' },
    { text: '24h', zone: 'UTC', expected: '2026-11-27T14:35:00.000Z' },
    { text: '7d', zone: 'Europe/Berlin', expected: '2026-11-21T14:35:00.000Z' },
    { text: '90m', zone: 'UTC', expected: '2026-11-28T13:05:00.000Z' },
    { text: '2w', zone: 'UTC', expected: '2026-11-14T14:35:00.000Z' },
    { text: '2026-11-01', zone: 'UTC', expected: '2026-11-01T00:00:00.000Z' },
    { text: '2026-11-01', zone: 'Europe/Berlin', expected: '2026-10-31T23:00:00.000Z' },
    { text: '2026-07-01', zone: 'Europe/Berlin', expected: '2026-06-30T22:00:00.000Z' },
    { text: '2026-11-01 08:30', zone: 'America/New_York', expected: '2026-11-01T13:30:00.000Z' },
    { text: '2026-10-25 02:30', zone: 'Europe/Berlin', expected: '2026-10-25T00:30:00.000Z' },
    { text: '2026-11-01 01:30', zone: 'America/New_York', expected: '2026-11-01T05:30:00.000Z' },
    { text: '2026-03-29 02:30', zone: 'Europe/Berlin', expected: '2026-03-29T01:30:00.000Z' },
    { text: '2026-10-25 03:00', zone: 'Europe/Berlin', expected: '2026-10-25T02:00:00.000Z' },
    { text: '2026-11-01T08:30:00Z', zone: 'Europe/Berlin', expected: '2026-11-01T08:30:00.000Z' },
    { text: '2026-11-01T08:30:00+02:00', zone: 'UTC', expected: '2026-11-01T06:30:00.000Z' },
    { text: 'yesterday', zone: 'UTC', expected: undefined },
    { text: '2026-13-01', zone: 'UTC', expected: undefined },
    { text: '24', zone: 'UTC', expected: undefined },
    { text: '-24h', zone: 'UTC', expected: undefined },
    { text: '', zone: 'UTC', expected: undefined },
  ])('$text in $zone', ({ text, zone, expected }) => {
    expect(iso(parseReportTime(text, NOW, zone))).toBe(expected)
  })
})

describe('intervalBoundaries', () => {
  it('cuts the first and last hour at the span, the others on full hours', () => {
    const boundaries = intervalBoundaries(Date.parse('2026-11-28T10:20:00Z'), Date.parse('2026-11-28T12:10:00Z'), 'hour', 'UTC')
    expect(boundaries.map(iso)).toEqual(['2026-11-28T10:20:00.000Z', '2026-11-28T11:00:00.000Z', '2026-11-28T12:00:00.000Z', '2026-11-28T12:10:00.000Z'])
  })

  it('days start at midnight in the zone, and the day the clocks go back has 25 hours', () => {
    const boundaries = intervalBoundaries(Date.parse('2026-10-24T22:00:00Z'), Date.parse('2026-10-27T23:00:00Z'), 'day', 'Europe/Berlin')
    expect(boundaries.map(iso)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z', '2026-10-27T23:00:00.000Z'])
  })

  it('hours keep counting through the DST change: 01:00 to 04:00 local on 25 October is 4 hours', () => {
    const boundaries = intervalBoundaries(Date.parse('2026-10-24T23:00:00Z'), Date.parse('2026-10-25T03:00:00Z'), 'hour', 'Europe/Berlin')
    expect(boundaries).toHaveLength(5)
  })

  it('minutes start on the full minute', () => {
    const boundaries = intervalBoundaries(Date.parse('2026-11-28T10:00:30Z'), Date.parse('2026-11-28T10:02:00Z'), 'minute', 'UTC')
    expect(boundaries.map(iso)).toEqual(['2026-11-28T10:00:30.000Z', '2026-11-28T10:01:00.000Z', '2026-11-28T10:02:00.000Z'])
  })

  it('half-hour zones start hours at their own full hour', () => {
    const boundaries = intervalBoundaries(Date.parse('2026-11-28T10:00:00Z'), Date.parse('2026-11-28T12:00:00Z'), 'hour', 'Asia/Kolkata')
    expect(boundaries.map(iso)).toEqual(['2026-11-28T10:00:00.000Z', '2026-11-28T10:30:00.000Z', '2026-11-28T11:30:00.000Z', '2026-11-28T12:00:00.000Z'])
  })
})

describe('labels', () => {
  it.each([
    { span: 2 * 3_600_000, unit: 'minute' },
    { span: 2 * 3_600_000 + 1, unit: 'hour' },
    { span: 3 * 86_400_000, unit: 'hour' },
    { span: 3 * 86_400_000 + 1, unit: 'day' },
  ])('a span of $span ms is shown by the $unit', ({ span, unit }) => {
    expect(defaultUnit(NOW - span, NOW)).toBe(unit)
  })

  it('formats in the zone and names it with its offset', () => {
    expect(formatLocal(NOW, 'Europe/Berlin', 'hour')).toBe('2026-11-28 15:35')
    expect(formatLocal(NOW, 'Europe/Berlin', 'day')).toBe('2026-11-28')
    expect(describeZoneOver([NOW], 'Europe/Berlin')).toBe('Europe/Berlin (UTC+01:00)')
    expect(describeZoneOver([NOW], 'America/St_Johns')).toBe('America/St_Johns (UTC-03:30)')
  })

  it('a span across a clock change names both offsets, and the hour repeated carries its own', () => {
    const hours = [0, 1, 2, 3].map((hour) => Date.parse(`2026-10-25T0${hour}:00:00Z`))
    expect(describeZoneOver(hours, 'Europe/Berlin')).toBe('Europe/Berlin (UTC+02:00/+01:00)')
    expect(intervalLabels(hours, 'Europe/Berlin', 'hour')).toEqual(['2026-10-25 02:00 +02:00', '2026-10-25 02:00 +01:00', '2026-10-25 03:00', '2026-10-25 04:00'])
    expect(intervalLabels([hours[0]!, hours[3]!], 'Europe/Berlin', 'hour')).toEqual(['2026-10-25 02:00', '2026-10-25 04:00'])
  })
})
