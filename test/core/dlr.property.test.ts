import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { parseDlrLine, type ParseContext } from '../../src/core/dlr.js'

const context: ParseContext = {
  receivedAt: new Date('2026-11-28T10:00:00Z'),
  source: { kind: 'stdin', line: 1 },
  names: { ...DLR_PARAMS },
  feedbackPath: '/smsKannelfeedback',
}

/** Text of every kind: lone surrogates, NUL and other controls, percent soup, huge lines. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('%', '&', '=', '+', '#', '?', '[', ']', '"', ' ', '\u0000', '\r', '\uD800', 'd', 'l', 'r', '1', '8', 'F'), maxLength: 200 }),
  fc.integer({ min: 60_000, max: 70_000 }).map((length) => `dlr=1&x=${'%'.repeat(length)}`),
)

const param = fc.tuple(
  fc.oneof(fc.constantFrom(...Object.values(DLR_PARAMS), '__proto__', 'constructor', 'toString', ''), fc.string({ maxLength: 8 })),
  fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: -5, max: 99 }).map(String)),
)
const queryLike = fc.array(param, { maxLength: 12 }).map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('&'))
const accessLogLike = fc
  .tuple(fc.string({ maxLength: 30 }), fc.constantFrom('GET', 'POST', 'HEAD'), queryLike, fc.string({ maxLength: 20 }))
  .map(([time, method, query, tail]) => `127.0.0.1 - - [${time}] "${method} /smsKannelfeedback?${query} HTTP/1.1" 200 3 "-" "${tail}"`)
const kannelLogLike = fc
  .tuple(fc.string({ maxLength: 200 }), fc.integer({ min: -3, max: 40 }))
  .map(([fields, type]) => `2026-11-28 09:38:09 Receive DLR [SMSC:${fields}] [flags:-1:-1:-1:-1:${type}] [msg:3:${fields}] [udh:0:]`)

describe('parseDlrLine over hostile input', () => {
  it('never throws, and what it accepts is a well-formed, reproducible event', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, queryLike, accessLogLike, kannelLogLike), (line) => {
        const parsed = parseDlrLine(line, context)
        expect(['event', 'skip', 'bad']).toContain(parsed.kind)
        if (parsed.kind === 'event') {
          const { event } = parsed
          expect(event.dlr).toBeGreaterThanOrEqual(1)
          expect(event.dlr).toBeLessThanOrEqual(31)
          expect(event.eventId).toMatch(/^[0-9a-f]{32}$/)
          expect(() => JSON.stringify(event)).not.toThrow()
          // The same line again is the same event: replays deduplicate on this.
          expect(parseDlrLine(line, { ...context, receivedAt: new Date(0) })).toMatchObject({ kind: 'event', event: { eventId: event.eventId } })
        } else {
          expect(typeof parsed.reason).toBe('string')
          expect(parsed.reason).not.toMatch(/\n/)
        }
      }),
      { numRuns: 3000 },
    )
  })
})
