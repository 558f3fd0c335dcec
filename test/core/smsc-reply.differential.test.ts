import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCanonicalReceipt, parseReceiptTime, parseSmscReply, parseTolerantReceipt } from '../../src/core/smsc-reply.js'

const corpus = (JSON.parse(readFileSync(new URL('../fixtures/smsc-replies.json', import.meta.url), 'utf8')) as { entries: Array<{ raw: string }> }).entries.map((entry) => entry.raw)

/** The fast path either declines or answers exactly as the tolerant parser, down to key order. */
function expectSameAsTolerant(raw: string): boolean {
  const fast = parseCanonicalReceipt(raw)
  if (fast === undefined) return false
  const tolerant = parseTolerantReceipt(raw)
  expect(fast).toStrictEqual(tolerant)
  expect(JSON.stringify(fast)).toBe(JSON.stringify(tolerant))
  return true
}

/** Value pieces chosen to hide keys, separators and odd whitespace inside a field. */
const PIECES = ['0', '1', '00', '12', 'DELIVRD', 'delivrd', 'UNDELIV', '2', 'a', 'Z', '-', '_', '.', '#', ':', ' ', '  ', '\t', '\n', '\u00a0', '\u2028', '\ufeff',
  'sub:', 'dlvrd:', 'id:', 'stat:', 'err:', 'text:', 'Text:', 'SUB:', 'submit date:', 'done_date:', 'imsi:', 'submit', 'date', 'done', 'x-sub:', '^id:', '-err:', '#stat:', '.text:']
const piece = fc.constantFrom(...PIECES)
const cleanValue = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef-'), maxLength: 14 })
const hostileValue = fc.tuple(cleanValue, fc.array(piece, { minLength: 1, maxLength: 3 }), cleanValue).map(([before, pieces, after]) => before + pieces.join('') + after)
const value = fc.oneof({ weight: 12, arbitrary: cleanValue }, { weight: 1, arbitrary: hostileValue })
const date = fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 16 }), value)

/** Receipts in the canonical layout or a near miss of it: optional sub/dlvrd, err and text, other key spellings. */
const nearCanonical = fc
  .record({
    id: value,
    subDlvrd: fc.option(fc.tuple(value, value), { nil: undefined }),
    submitDate: date,
    doneDate: date,
    stat: fc.oneof(fc.constantFrom('DELIVRD', 'UNDELIV', 'EXPIRED', 'delivered', '2', '11', ''), value),
    err: fc.option(value, { nil: undefined }),
    dateKeys: fc.tuple(fc.constantFrom('submit date', 'submit date', 'submit_date', 'submitdate', 'Submit Date'), fc.constantFrom('done date', 'done date', 'done_date', 'donedate', 'DONE DATE')),
    text: fc.option(fc.oneof(value, fc.string({ maxLength: 30 })), { nil: undefined }),
    textKey: fc.constantFrom('text', 'Text', 'TEXT', 'tExt'),
    separators: fc.array(fc.constantFrom(...' '.repeat(40), '  ', '\t', ''), { minLength: 8, maxLength: 8 }),
    prefix: fc.constantFrom(...Array<string>(8).fill(''), ' ', 'x^', 'ID'),
  })
  .map((parts) => {
    const fields = [`id:${parts.id}`]
    if (parts.subDlvrd) fields.push(`sub:${parts.subDlvrd[0]}`, `dlvrd:${parts.subDlvrd[1]}`)
    fields.push(`${parts.dateKeys[0]}:${parts.submitDate}`, `${parts.dateKeys[1]}:${parts.doneDate}`, `stat:${parts.stat}`)
    if (parts.err !== undefined) fields.push(`err:${parts.err}`)
    if (parts.text !== undefined) fields.push(`${parts.textKey}:${parts.text}`)
    return parts.prefix + fields.map((field, index) => (index === 0 ? '' : parts.separators[index]) + field).join('')
  })

/** A canonical receipt with one field's value made hostile: a key, colon or odd space inside it. */
const oneHostileField = fc
  .tuple(nearCanonical.filter((raw) => parseCanonicalReceipt(raw) !== undefined), hostileValue, fc.nat())
  .map(([raw, hostile, pick]) => {
    const ends = [...raw.matchAll(/:/g)].map((colon) => colon.index + 1)
    const at = ends[pick % ends.length]!
    return raw.slice(0, at) + hostile + raw.slice(at)
  })

describe('the canonical-receipt fast path reads exactly as the tolerant parser', () => {
  it('on the corpus of real replies, and it takes most real receipts', () => {
    const taken = corpus.filter((raw) => expectSameAsTolerant(raw))
    expect(taken.length).toBeGreaterThanOrEqual(30)
  })

  it('on random receipts in and near the canonical layout', () => {
    let taken = 0
    fc.assert(
      fc.property(nearCanonical, (raw) => {
        if (expectSameAsTolerant(raw)) taken++
      }),
      { numRuns: 5000 },
    )
    // A fast path that declined everything would agree vacuously.
    expect(taken).toBeGreaterThan(500)
  })

  it('on canonical receipts with a key, colon or odd space hidden in one value', () => {
    fc.assert(fc.property(oneHostileField, (raw) => void expectSameAsTolerant(raw)), { numRuns: 5000 })
  })

  it('on any text: parseSmscReply gives what the tolerant parser alone would', () => {
    const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.oneof(piece, value), { maxLength: 20 }).map((parts) => parts.join('')), nearCanonical)
    fc.assert(
      fc.property(anyText, (raw) => {
        expectSameAsTolerant(raw)
        if (!/^n?ack\//i.test(raw)) expect(parseSmscReply(raw)).toStrictEqual(parseTolerantReceipt(raw) ?? { kind: 'other', raw })
      }),
      { numRuns: 3000 },
    )
  })
})

describe('parseReceiptTime against the calendar', () => {
  /** What the date means, checked by Date itself: null when any part is out of range. */
  function calendar(value: string): string | null {
    const digits = /^\d{15}[+\-R]$/.test(value) ? value.slice(0, 12) : /^(?:\d{10}|\d{12}|\d{14})$/.test(value) ? value : undefined
    if (digits === undefined) return null
    const full = digits.length === 14 ? digits : `20${digits}`.padEnd(14, '0')
    const [year, month, day, hour, minute, second] = [full.slice(0, 4), ...[4, 6, 8, 10, 12].map((at) => full.slice(at, at + 2))] as [string, string, string, string, string, string]
    const date = new Date(0)
    date.setUTCFullYear(Number(year), Number(month) - 1, Number(day))
    date.setUTCHours(Number(hour), Number(minute), Number(second))
    const same = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day) &&
      date.getUTCHours() === Number(hour) && date.getUTCMinutes() === Number(minute) && date.getUTCSeconds() === Number(second)
    return same ? `${year}-${month}-${day}T${hour}:${minute}:${second}` : null
  }

  it('reads every 10-, 12-, 14- and 16-character date as Date does', () => {
    const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length })
    const plausible = fc.tuple(fc.constantFrom('', '19', '20', '24'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom('', 'seconds', '000+', '032-', '000R', '000X'))
      .map(([century, ...rest]) => {
        const [year, month, day, hour, minute, second, tail] = rest as [number, number, number, number, number, number, string]
        const two = (n: number) => String(n).padStart(2, '0')
        const base = `${century}${two(year)}${two(month)}${two(day)}${two(hour)}${two(minute)}`
        return tail === '' ? base : tail === 'seconds' ? base + two(second) : base + two(second) + tail
      })
    fc.assert(
      fc.property(fc.oneof(plausible, digits(10), digits(12), digits(14), fc.string({ maxLength: 16 })), (value) => {
        expect(parseReceiptTime(value)).toBe(calendar(value))
      }),
      { numRuns: 5000 },
    )
  })
})
