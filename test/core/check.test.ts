import { describe, expect, it } from 'vitest'
import { evaluateCheck, thresholdProblem, unknownCheckLine, type CheckThresholds } from '../../src/core/check.js'
import type { DeliveryFigures } from '../../src/core/report.js'

const figures = (overrides: Partial<DeliveryFigures>): DeliveryFigures => ({
  sent: 10, notSent: 0, accepted: 10, delivered: 9, failed: 1, pending: 0, deliveryRatePercent: 90, latency: { p50Ms: 2000, p90Ms: 4000, p99Ms: 9000 }, ...overrides,
})
const STRICT: CheckThresholds = { warnRate: 95, critRate: 80, warnLatencyMs: 30_000, critLatencyMs: 60_000, warnPending: 2, maxPending: 5 }

describe('evaluateCheck', () => {
  it.each([
    { name: 'nothing sent: OK, however strict', figures: figures({ sent: 0, accepted: 0, delivered: 0, failed: 0, deliveryRatePercent: null, latency: null }), state: 0, text: 'OK - no PINs sent in the last 15m' },
    { name: 'sent, nothing final yet: the rate is not known, so not alerted on', figures: figures({ delivered: 0, failed: 0, pending: 2, sent: 2, deliveryRatePercent: null, latency: null }), state: 0, text: 'OK - 2 PINs in the last 15m: 0 delivered (-), 0 failed, 2 pending' },
    { name: 'the rate exactly at --crit-rate is not below it', figures: figures({ deliveryRatePercent: 80 }), state: 1, text: 'WARNING - delivery rate 80.0% < 95%' },
    { name: 'the rate below --crit-rate', figures: figures({ deliveryRatePercent: 79.9 }), state: 2, text: 'CRITICAL - delivery rate 79.9% < 80%' },
    { name: 'p90 above --crit-latency', figures: figures({ deliveryRatePercent: 100, latency: { p50Ms: 1000, p90Ms: 61_000, p99Ms: 70_000 } }), state: 2, text: 'CRITICAL - p90 latency 1m01s > 1m00s' },
    { name: 'pending exactly at --max-pending is within it', figures: figures({ deliveryRatePercent: 100, pending: 5 }), state: 1, text: 'WARNING - 5 PINs pending > 2' },
    { name: 'the worst problem first', figures: figures({ deliveryRatePercent: 90, pending: 6 }), state: 2, text: 'CRITICAL - 6 PINs pending > 5; delivery rate 90.0% < 95%' },
  ])('$name', ({ figures: input, state, text }) => {
    const result = evaluateCheck(input, STRICT, '15m')
    expect(result.state).toBe(state)
    expect(result.line).toContain(`SMS-KANNEL ${text}`)
    expect(result.line.split(' | ')).toHaveLength(2)
  })

  it('performance data: Nagios ranges, seconds, no rate or latency while unknown', () => {
    expect(evaluateCheck(figures({}), STRICT, '15m').line.split(' | ')[1]).toBe('sent=10;;;0 delivered=9;;;0 failed=1;;;0 pending=0;2;5;0 not_sent=0;;;0 rate=90%;95:;80:;0;100 latency_p90=4s;30;60;0')
    expect(evaluateCheck(figures({ deliveryRatePercent: null, latency: null }), {}, '15m').line.split(' | ')[1]).toBe('sent=10;;;0 delivered=9;;;0 failed=1;;;0 pending=0;;;0 not_sent=0;;;0')
  })
})

describe('counts of PINs', () => {
  const LOOSE: CheckThresholds = { warnPending: 0, warnNotSent: 0 }
  it('one PIN is "1 PIN" in every count check prints', () => {
    const line = evaluateCheck(figures({ sent: 1, delivered: 0, failed: 0, pending: 1, notSent: 1, deliveryRatePercent: null, latency: null }), LOOSE, '15m').line
    expect(line).toContain('SMS-KANNEL WARNING - 1 PIN pending > 0; 1 PIN not sent (send failed) > 0; 1 PIN in the last 15m: 0 delivered (-), 0 failed, 1 pending; 1 not sent | ')
    expect(line).not.toMatch(/\b1 PINs\b/)
  })

  it('two PINs are "2 PINs"', () => {
    const line = evaluateCheck(figures({ sent: 2, delivered: 0, failed: 0, pending: 2, notSent: 2, deliveryRatePercent: null, latency: null }), LOOSE, '15m').line
    expect(line).toContain('SMS-KANNEL WARNING - 2 PINs pending > 0; 2 PINs not sent (send failed) > 0; 2 PINs in the last 15m: 0 delivered (-), 0 failed, 2 pending; 2 not sent | ')
  })
})

describe('thresholdProblem', () => {
  it.each([
    { thresholds: STRICT, problem: undefined },
    { thresholds: { warnRate: 80, critRate: 95 }, problem: '--crit-rate must not be above --warn-rate (a lower rate is worse)' },
    { thresholds: { warnRate: 101 }, problem: '--warn-rate must be a percentage from 0 to 100' },
    { thresholds: { warnLatencyMs: 30_000, critLatencyMs: 10_000 }, problem: '--crit-latency must not be below --warn-latency' },
    { thresholds: { warnPending: 5, maxPending: 1 }, problem: '--max-pending must not be below --warn-pending' },
  ])('$thresholds', ({ thresholds, problem }) => {
    expect(thresholdProblem(thresholds)).toBe(problem)
  })
})

it('an UNKNOWN line stays one line without a stray perfdata separator', () => {
  expect(unknownCheckLine('bad\nthing | here')).toBe('SMS-KANNEL UNKNOWN - bad thing   here')
})
