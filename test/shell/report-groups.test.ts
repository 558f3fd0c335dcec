import { describe, expect, it } from 'vitest'
import { buildDeliveryReport, deliveryReportFromGroups, storedTimeMs } from '../../src/core/report.js'
import { openStore } from '../../src/shell/store.js'
import { makeReportStore, mixedPins } from '../helpers/report-store.js'

const START = '2026-11-28T08:00:00Z'
const T0 = Date.parse(START)
const HOUR = 3_600_000

describe('store.reportGroups: the figures SQLite adds up are the ones the pure fold gives', () => {
  it.each([
    { name: 'hourly over 4 hours, PINs sent before, in and after the span', boundaries: [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR] },
    { name: 'one interval with odd edges', boundaries: [T0 + 1234, T0 + 2 * HOUR + 567] },
    { name: 'a span with nothing in it', boundaries: [T0 + 30 * HOUR, T0 + 31 * HOUR] },
    { name: "a short span, as check's: its sends found by time", boundaries: [T0 + 1.5 * HOUR, T0 + 1.5 * HOUR + 20 * 60_000] },
  ])('$name', async ({ boundaries }) => {
    const path = await makeReportStore(START, mixedPins(START, 400))
    const store = await openStore(path)
    try {
      const { sends, events } = store.reportInput(boundaries[0]!, boundaries.at(-1)!)
      const folded = buildDeliveryReport({ sends: [...sends], events: [...events], boundaries })
      const groups = store.reportGroups(boundaries)
      expect(deliveryReportFromGroups(groups, boundaries)).toEqual(folded)
      expect(groups.reduce((sum, group) => sum + group.count, 0)).toBe(folded.total.sent + folded.total.notSent)
    } finally {
      store.close()
    }
  })
})

describe('storedTimeMs: a stored time read as SQLite reads it, for stores that hand over the text', () => {
  it('agrees with unixepoch(…, subsec) on the forms stored and on bad ones', async () => {
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(':memory:')
    const sqlite = db.prepare(`SELECT CAST(round(unixepoch(?, 'subsec') * 1000) AS INTEGER)`).pluck()
    const texts = [
      '2026-11-28T10:44:07.512Z', '2026-11-28T10:44:07Z', '2026-11-28T10:44:07', '2026-11-28 10:44:07', '2026-11-28T10:44',
      '2026-11-28', '2026-11-28T10:44:07+01:00', '2026-11-28T10:44:07.5-05:30', '2026-02-30T00:00:00Z', '2026-11-28T24:00:00Z',
      '0050-01-01T00:00:00Z', '2026-11-28T10:44:07.9996Z', '2026-13-01T00:00:00Z', '2026-11-28T10:60:00Z', '2026-11-28T10:44:07+15:00',
      '2026-11-28T10:44:07.57Z', '2026-11-28T10:44:07.0005Z', 'yesterday', '', '1795858600',
    ]
    for (const text of texts) {
      const expected = sqlite.get(text) as number | null
      expect([text, storedTimeMs(text)]).toEqual([text, expected ?? Number.NaN])
    }
    db.close()
  })
})
