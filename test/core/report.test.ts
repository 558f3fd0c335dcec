import { describe, expect, it } from 'vitest'
import { buildDeliveryReport, deliveryReportFromGroups, PinGrouper, percentile, weightedPercentile, type DeliveryFigures, type ReportEvent, type ReportSend } from '../../src/core/report.js'
import { failureReason } from '../../src/core/report-reason.js'

const T0 = Date.parse('2026-11-28T10:00:00Z')
const HOUR = 3_600_000
/** Three hourly intervals, 10:00 to 13:00 UTC. */
const BOUNDARIES = [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]

const DLR = { delivered: 1, undelivered: 2, buffered: 4, accepted: 8, rejected: 16 } as const
const send = (messageId: string, offsetSeconds: number): ReportSend => ({ messageId, sentAtMs: T0 + offsetSeconds * 1000 })
let nextId = 0
/** Kannel's report times have whole seconds. */
const report = (messageId: string | null, status: keyof typeof DLR, offsetSeconds: number, extra: Partial<ReportEvent> = {}): ReportEvent => ({
  eventId: `e${nextId++}`, messageId, dlr: DLR[status], smscId: 'fake1', smscReply: status === 'accepted' ? 'ACK/' : null, atMs: T0 + offsetSeconds * 1000, ...extra,
})
const delivered = (messageId: string, sentSecond: number, latencySeconds: number) => [report(messageId, 'accepted', sentSecond), report(messageId, 'delivered', sentSecond + latencySeconds)]

const EMPTY: DeliveryFigures = { sent: 0, notSent: 0, accepted: 0, delivered: 0, failed: 0, pending: 0, deliveryRatePercent: null, latency: null }

describe('buildDeliveryReport', () => {
  it.each([
    {
      name: 'no sends, no reports: every interval empty, no rate, no latency',
      sends: [] as ReportSend[],
      events: [] as ReportEvent[],
      intervals: [EMPTY, EMPTY, EMPTY],
      total: EMPTY,
    },
    {
      name: 'an empty interval between two busy ones',
      sends: [send('a', 60), send('b', 2 * 3600 + 60)],
      events: [...delivered('a', 60, 4), ...delivered('b', 2 * 3600 + 60, 6)],
      intervals: [
        { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 4000, p90Ms: 4000, p99Ms: 4000 } },
        EMPTY,
        { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 6000, p90Ms: 6000, p99Ms: 6000 } },
      ],
      total: { ...EMPTY, sent: 2, accepted: 2, delivered: 2, deliveryRatePercent: 100, latency: { p50Ms: 4000, p90Ms: 6000, p99Ms: 6000 } },
    },
    {
      name: 'only failures: rate 0, no latency',
      sends: [send('a', 10), send('b', 20)],
      events: [report('a', 'rejected', 10, { smscReply: 'NACK/no SMSC', smscId: null }), report('b', 'accepted', 21), report('b', 'undelivered', 30)],
      intervals: [{ ...EMPTY, sent: 2, accepted: 1, failed: 2, deliveryRatePercent: 0 }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 2, accepted: 1, failed: 2, deliveryRatePercent: 0 },
    },
    {
      name: 'reports out of order: "delivered" stored before "accepted", and before the send row',
      sends: [send('a', 100)],
      events: [report('a', 'delivered', 103), report('a', 'accepted', 101)],
      intervals: [{ ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 3000, p90Ms: 3000, p99Ms: 3000 } }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 3000, p90Ms: 3000, p99Ms: 3000 } },
    },
    {
      name: 'duplicates: a report repeated, and a second "delivered" later: one PIN, the first final report counts',
      sends: [send('a', 100), send('a', 100)],
      events: [report('a', 'accepted', 101), report('a', 'accepted', 101), report('a', 'delivered', 109), report('a', 'delivered', 102), report('a', 'delivered', 102)],
      intervals: [{ ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 2000, p90Ms: 2000, p99Ms: 2000 } }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 2000, p90Ms: 2000, p99Ms: 2000 } },
    },
    {
      name: 'contradicting finals: the earlier one decides, whatever the order stored',
      sends: [send('a', 100)],
      events: [report('a', 'delivered', 150), report('a', 'undelivered', 120)],
      intervals: [{ ...EMPTY, sent: 1, accepted: 1, failed: 1, deliveryRatePercent: 0 }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 1, accepted: 1, failed: 1, deliveryRatePercent: 0 },
    },
    {
      name: 'pending: sent, accepted, no final report; and sent with no report at all',
      sends: [send('a', 100), send('b', 200)],
      events: [report('a', 'accepted', 101), report('a', 'buffered', 140)],
      intervals: [{ ...EMPTY, sent: 2, accepted: 1, pending: 2 }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 2, accepted: 1, pending: 2 },
    },
    {
      name: 'no send record (sent from another host): the PIN starts at its first report',
      sends: [],
      events: [report('x', 'delivered', 3600 + 7), report('x', 'accepted', 3600 + 2)],
      intervals: [EMPTY, { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 5000, p90Ms: 5000, p99Ms: 5000 } }, EMPTY],
      total: { ...EMPTY, sent: 1, accepted: 1, delivered: 1, deliveryRatePercent: 100, latency: { p50Ms: 5000, p90Ms: 5000, p99Ms: 5000 } },
    },
    {
      name: 'reports without a message id (bearerbox log) are PINs of their own, without latency',
      sends: [],
      events: [report(null, 'delivered', 50), report(null, 'accepted', 40)],
      intervals: [{ ...EMPTY, sent: 2, accepted: 2, delivered: 1, pending: 1, deliveryRatePercent: 100 }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 2, accepted: 2, delivered: 1, pending: 1, deliveryRatePercent: 100 },
    },
    {
      name: 'a send at .640 and its whole-second report in the same second took 0 s; a report before its send gives no latency',
      sends: [{ messageId: 'a', sentAtMs: T0 + 100_640 }, send('b', 200)],
      events: [report('a', 'delivered', 100), report('b', 'delivered', 195)],
      intervals: [{ ...EMPTY, sent: 2, accepted: 2, delivered: 2, deliveryRatePercent: 100, latency: { p50Ms: 0, p90Ms: 0, p99Ms: 0 } }, EMPTY, EMPTY],
      total: { ...EMPTY, sent: 2, accepted: 2, delivered: 2, deliveryRatePercent: 100, latency: { p50Ms: 0, p90Ms: 0, p99Ms: 0 } },
    },
    {
      name: 'outside the span: sent before it (its late report inside it) or at its end',
      sends: [send('early', -10), send('late', 3 * 3600)],
      events: [report('early', 'delivered', 5), report('late', 'delivered', 3 * 3600 + 2)],
      intervals: [EMPTY, EMPTY, EMPTY],
      total: EMPTY,
    },
  ])('$name', ({ sends, events, intervals, total }) => {
    const result = buildDeliveryReport({ sends, events, boundaries: BOUNDARIES })
    expect(result.intervals.map(({ startMs, endMs, ...figures }) => figures)).toEqual(intervals)
    expect(result.intervals.map((interval) => [interval.startMs, interval.endMs])).toEqual([[T0, T0 + HOUR], [T0 + HOUR, T0 + 2 * HOUR], [T0 + 2 * HOUR, T0 + 3 * HOUR]])
    expect(result.total).toEqual(total)
  })

  it('latency percentiles by nearest rank: 1 s to 10 s gives p50 5 s, p90 9 s, p99 10 s', () => {
    const sends = Array.from({ length: 10 }, (_, index) => send(`m${index}`, index * 60))
    const events = sends.map((sent, index) => report(sent.messageId, 'delivered', index * 60 + index + 1))
    expect(buildDeliveryReport({ sends, events, boundaries: BOUNDARIES }).total.latency).toEqual({ p50Ms: 5000, p90Ms: 9000, p99Ms: 10000 })
  })

  it('delivery rate counts final reports only: 3 delivered, 1 failed, 2 pending is 75 %', () => {
    const sends = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, index) => send(id, index))
    const events = [report('a', 'delivered', 9), report('b', 'delivered', 9), report('c', 'delivered', 9), report('d', 'undelivered', 9), report('e', 'accepted', 9)]
    expect(buildDeliveryReport({ sends, events, boundaries: BOUNDARIES }).total).toMatchObject({ sent: 6, delivered: 3, failed: 1, pending: 2, deliveryRatePercent: 75 })
  })

  it('failures by reason and by SMSC over the span, most frequent first', () => {
    const sends = ['a', 'b', 'c', 'd', 'e'].map((id, index) => send(id, index * 1000))
    const events = [
      report('a', 'rejected', 1, { smscId: null, smscReply: 'NACK/no SMSC' }),
      report('b', 'rejected', 1001, { smscId: null, smscReply: 'NACK/no SMSC' }),
      report('c', 'accepted', 2001, { smscId: 'smpp1' }),
      report('c', 'undelivered', 2009, { smscId: 'smpp1', smscReply: 'id:c1 sub:001 dlvrd:000 submit date:2611281000 done date:2611281001 stat:UNDELIV err:011 text:PIN' }),
      report('d', 'rejected', 3001, { smscId: 'smpp1', smscReply: 'NACK/11/Invalid Destination Address' }),
      report('e', 'delivered', 4003, { smscId: 'smpp1' }),
    ]
    const result = buildDeliveryReport({ sends, events, boundaries: BOUNDARIES })
    expect(result.failuresByReason).toEqual([
      { reason: 'NACK: no SMSC', count: 2 },
      { reason: 'NACK 11: Invalid Destination Address', count: 1 },
      { reason: 'stat UNDELIV, err 011', count: 1 },
    ])
    expect(result.bySmsc.map(({ smsc, sent, delivered, failed, deliveryRatePercent }) => ({ smsc, sent, delivered, failed, deliveryRatePercent }))).toEqual([
      { smsc: 'smpp1', sent: 3, delivered: 1, failed: 2, deliveryRatePercent: 100 / 3 },
      { smsc: null, sent: 2, delivered: 0, failed: 2, deliveryRatePercent: 0 },
    ])
  })

  it('a DLR value that is no type (0, 32) is ignored; a combined one counts as its most final bit', () => {
    const events = [report('a', 'accepted', 101, { dlr: 0 }), report('b', 'accepted', 101, { dlr: 32 }), report('c', 'accepted', 101, { dlr: 9 })]
    expect(buildDeliveryReport({ sends: [], events, boundaries: BOUNDARIES }).total).toMatchObject({ sent: 1, delivered: 1 })
  })

  it('same-time finals: the lowest event id decides and the highest names the SMSC, in whatever order they are read', () => {
    const events = [
      report('a', 'delivered', 130, { eventId: 'a2', smscId: 'smpp1' }),
      report('a', 'undelivered', 130, { eventId: 'a1', smscId: 'smpp2', smscReply: 'NACK/11/Invalid Destination Address' }),
      report('a', 'accepted', 101, { eventId: 'a3', smscId: 'smpp3' }),
    ]
    for (const order of [events, [...events].reverse(), [events[1]!, events[2]!, events[0]!]]) {
      const result = buildDeliveryReport({ sends: [send('a', 100)], events: order, boundaries: BOUNDARIES })
      expect(result.total).toMatchObject({ sent: 1, delivered: 0, failed: 1 })
      expect(result.bySmsc.map((row) => row.smsc)).toEqual(['smpp3'])
    }
  })

  it('refuses boundaries that make no interval', () => {
    expect(() => buildDeliveryReport({ sends: [], events: [], boundaries: [T0] })).toThrow(RangeError)
  })
})

describe('PinGrouper: rows PIN by PIN, in any order within a PIN, give what buildDeliveryReport gives', () => {
  /** Deterministic mixed PINs: sends in, before and without, repeats, ties, reports without a message id. */
  function mixed(): { sends: ReportSend[]; events: ReportEvent[] } {
    let seed = 7
    const next = (limit: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % limit)
    const statuses = Object.keys(DLR) as Array<keyof typeof DLR>
    const sends: ReportSend[] = []
    const events: ReportEvent[] = []
    for (let pin = 0; pin < 300; pin++) {
      const id = `m${String(pin).padStart(4, '0')}`
      const sentSecond = next(4 * 3600) - 1800
      if (next(4) !== 0) sends.push(send(id, sentSecond))
      for (let count = next(5); count > 0; count--) {
        events.push(report(next(10) === 0 ? null : id, statuses[next(statuses.length)]!, sentSecond + next(20) - 3, { eventId: `${id}-${next(6)}-${events.length}`, smscId: next(5) === 0 ? null : `smpp${next(3)}`, smscReply: `reply ${next(3)}` }))
      }
    }
    return { sends, events }
  }

  it.each([{ name: 'hourly', boundaries: BOUNDARIES }, { name: 'one odd interval', boundaries: [T0 + 1234, T0 + 2 * HOUR + 567] }])('$name', ({ boundaries }) => {
    const { sends, events } = mixed()
    const expected = buildDeliveryReport({ sends, events, boundaries })
    const byPin = new Map<string, Array<{ send?: ReportSend; event?: ReportEvent }>>()
    const pinOf = (key: string) => byPin.get(key) ?? byPin.set(key, []).get(key)!
    for (const row of sends) pinOf(row.messageId).push({ send: row })
    for (const row of events) pinOf(row.messageId ?? `event:${row.eventId}`).push({ event: row })
    const grouper = new PinGrouper(boundaries)
    for (const rows of byPin.values()) {
      // Reports first, then the send: the store reads them in its index's order, not by time.
      for (const row of [...rows].reverse()) {
        if (row.send) grouper.send(row.send)
        else grouper.event(row.event!)
      }
    }
    const groups = grouper.finish()
    expect(groups.length).toBeLessThan(expected.total.sent)
    expect(deliveryReportFromGroups(groups, boundaries)).toEqual(expected)
  })
})

describe('percentile', () => {
  it.each([
    { values: [7], p: 50, expected: 7 },
    { values: [7], p: 99, expected: 7 },
    { values: [1, 2, 3, 4], p: 50, expected: 2 },
    { values: [1, 2, 3, 4], p: 90, expected: 4 },
    { values: [], p: 50, expected: Number.NaN },
  ])('p$p of $values is $expected', ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected)
  })
})

describe('weightedPercentile: the same as percentile over the values repeated', () => {
  it.each([
    { counts: [[7, 1]] as Array<[number, number]>, p: 50 },
    { counts: [[1, 1], [2, 1], [3, 1], [4, 1]] as Array<[number, number]>, p: 50 },
    { counts: [[1, 49], [2, 1], [3, 50]] as Array<[number, number]>, p: 50 },
    { counts: [[1, 49], [2, 1], [3, 50]] as Array<[number, number]>, p: 51 },
    { counts: [[1000, 98], [5000, 1], [9000, 1]] as Array<[number, number]>, p: 99 },
    { counts: [[1000, 3], [2000, 7]] as Array<[number, number]>, p: 90 },
    { counts: [] as Array<[number, number]>, p: 50 },
  ])('p$p of $counts', ({ counts, p }) => {
    const expanded = counts.flatMap(([value, count]) => Array<number>(count).fill(value))
    expect(weightedPercentile(counts, p)).toBe(percentile(expanded, p))
  })
})

describe('failureReason', () => {
  it.each([
    { status: 'rejected' as const, reply: 'NACK/no SMSC', expected: 'NACK: no SMSC' },
    { status: 'rejected' as const, reply: 'NACK/11/Invalid Destination Address', expected: 'NACK 11: Invalid Destination Address' },
    { status: 'rejected' as const, reply: 'NACK/', expected: 'NACK: no text' },
    { status: 'undelivered' as const, reply: 'id:1 sub:001 dlvrd:000 submit date:2611281000 done date:2611281001 stat:EXPIRED err:000 text:x', expected: 'stat EXPIRED, err 000' },
    { status: 'undelivered' as const, reply: null, expected: 'not delivered, no reason given' },
    { status: 'rejected' as const, reply: '', expected: 'rejected by the SMSC, no reason given' },
    { status: 'undelivered' as const, reply: 'ACK/', expected: 'not delivered, no reason given' },
    { status: 'undelivered' as const, reply: 'weird\u001b[31m text', expected: 'weird?[31m text' },
    { status: 'undelivered' as const, reply: `NACK/${'x'.repeat(200)}`, expected: `NACK: ${'x'.repeat(74)}…` },
  ])('$status with $reply', ({ status, reply, expected }) => {
    expect(failureReason(status, reply)).toBe(expected)
  })
})
