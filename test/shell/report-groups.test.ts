import { describe, expect, it } from 'vitest'
import { buildDeliveryReport, deliveryReportFromGroups } from '../../src/core/report.js'
import { openStore } from '../../src/shell/store.js'
import { makeReportStore, type FakePin } from '../helpers/report-store.js'

const START = '2026-11-28T08:00:00Z'
const T0 = Date.parse(START)
const HOUR = 3_600_000

/** A UUID v7 message id made at `seconds` after START, as send makes them; `n` keeps it unique. */
function v7(seconds: number, n: number): string {
  const hex = (T0 + seconds * 1000).toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${String(n).padStart(12, '0')}`
}

/** Deterministic pseudo-random PINs: every kind of report, order, repeat and tie. */
function mixedPins(count: number): FakePin[] {
  let seed = 12345
  const next = (limit: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % limit)
  const dlrs = [1, 2, 4, 8, 16, 3, 18, 24, 9]
  const replies = ['NACK/11/Invalid Destination Address', 'NACK/no SMSC', 'id:x sub:001 dlvrd:000 stat:UNDELIV err:011 text:', 'ACK/', '', 'odd reply']
  return Array.from({ length: count }, (_, index) => {
    const sentAt = next(6 * 3600) - 3600
    const reports = Array.from({ length: next(5) }, () => ({
      dlr: dlrs[next(dlrs.length)]!,
      at: sentAt + next(40) - 5,
      reply: replies[next(replies.length)]!,
      smsc: ['smpp1', 'smpp2', 'fake1'][next(3)]!,
    }))
    const messageId = index % 7 === 0 ? `legacy-${index}` : v7(sentAt, index)
    return { messageId, sentAt, reports, recorded: next(5) !== 0 }
  })
}

describe('store.reportGroups: the figures SQLite adds up are the ones the pure fold gives', () => {
  it.each([
    { name: 'hourly over 4 hours, PINs sent before, in and after the span', boundaries: [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR] },
    { name: 'one interval with odd edges', boundaries: [T0 + 1234, T0 + 2 * HOUR + 567] },
    { name: 'a span with nothing in it', boundaries: [T0 + 30 * HOUR, T0 + 31 * HOUR] },
  ])('$name', async ({ boundaries }) => {
    const path = await makeReportStore(START, mixedPins(400))
    const store = await openStore(path)
    try {
      const { sends, events } = store.reportInput(boundaries[0]!, boundaries.at(-1)!)
      const folded = buildDeliveryReport({ sends: [...sends], events: [...events], boundaries })
      const groups = store.reportGroups(boundaries)
      expect(deliveryReportFromGroups(groups, boundaries)).toEqual(folded)
      expect(groups.reduce((sum, group) => sum + group.count, 0)).toBe(folded.total.sent)
    } finally {
      store.close()
    }
  })
})
