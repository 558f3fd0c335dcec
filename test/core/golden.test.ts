import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GOLDEN, GOLDEN_CASES, parseFixture, CAPTURE_NAMES } from '../golden.js'

/** UPDATE_GOLDEN=1 npx vitest run test/core/golden.test.ts rewrites the files; review the diff. */
const update = process.env['UPDATE_GOLDEN'] === '1'

describe('golden records over real Kannel captures', () => {
  it.each(GOLDEN_CASES)('$fixture gives the records in $golden', ({ fixture, golden, names }) => {
    const actual = parseFixture(fixture, names).map((parsed) => JSON.stringify(parsed)).join('\n') + '\n'
    if (update) writeFileSync(new URL(golden, GOLDEN), actual)
    expect(actual).toBe(readFileSync(new URL(golden, GOLDEN), 'utf8'))
  })

  it('reads every real callback but the one that is not a DLR', () => {
    const parsed = parseFixture('dlr-callbacks-real.txt', CAPTURE_NAMES)
    expect(parsed).toHaveLength(231)
    const bad = parsed.flatMap((line, index) => (line.kind === 'bad' ? [{ line: index + 1, reason: line.reason }] : []))
    expect(bad).toEqual([{ line: 1, reason: 'no "d" parameter (for another dlr-url template: --param dlr=NAME)' }])
    const events = parsed.flatMap((line) => (line.kind === 'event' ? [line.event] : []))
    const byStatus: Record<string, number> = {}
    for (const event of events) byStatus[event.status] = (byStatus[event.status] ?? 0) + 1
    // Counted independently: python's parse_qsl over the same file gives d=1: 113, d=8: 110, d=16: 7.
    expect(byStatus).toEqual({ accepted: 110, delivered: 113, rejected: 7 })
  })

  it('gives Kannel\'s retries of one callback one event id, and reports that differ in what Kannel substituted different ids', () => {
    const events = parseFixture('dlr-callbacks-real.txt', CAPTURE_NAMES).flatMap((line) => (line.kind === 'event' ? [line.event] : []))
    const retries = events.filter((event) => event.raw === 'tag=retry500&d=1&F=2ed97f8b-3b03-48d3-aadf-56f7e5cd40f1')
    expect(retries).toHaveLength(4)
    expect(new Set(retries.map((event) => event.eventId)).size).toBe(1)
    // The capture's own labels (tag=, force=) are junk to a receiver: only the fields of the
    // dlr-url template tell reports apart, an empty one the same as a missing one.
    const meaning = (raw: string) => {
      const query = new URLSearchParams(raw)
      return JSON.stringify(['d', 'A', 'F', 'p', 'P', 't', 'i', 'I'].map((name) => query.get(name) ?? ''))
    }
    const byMeaning = new Map(events.map((event) => [meaning(event.raw), event.eventId]))
    expect(new Set(events.map((event) => event.eventId)).size).toBe(byMeaning.size)
    for (const event of events) expect(event.eventId).toBe(byMeaning.get(meaning(event.raw)))
  })

  it('turns bearerbox "Receive DLR" lines into events and skips its other lines', () => {
    const parsed = parseFixture('kannel-access-log.txt', { ...CAPTURE_NAMES })
    expect(parsed.map((line) => line.kind)).toEqual([
      'skip', 'skip', 'skip', 'skip', 'event', 'event', 'skip', 'skip', 'skip', 'skip', 'skip',
      'skip', 'event', 'skip', 'event', 'skip', 'event', 'skip', 'skip', 'skip', 'skip',
    ])
    const multipartFinal = parsed[12]
    expect(multipartFinal).toMatchObject({ kind: 'event', event: { dlr: 1, status: 'delivered', smscMessageId: 'bb32b44a-439d-4ba3-b8bd-3e3059754d5a', recipient: '556', sender: '13013', smscId: 'fake1' } })
  })
})
