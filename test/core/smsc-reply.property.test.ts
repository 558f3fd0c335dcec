import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describeSmscReply, hideReceiptText, parseSmscReply } from '../../src/core/smsc-reply.js'

const chars = (alphabet: string, minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength })
const ALNUM = 'ABCDEFabcdefxyzXYZ0123456789'

/** A key as some SMSC might spell it: any mix of upper and lower case. */
const anyCase = (key: string) => fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((upper) => [...key].map((char, index) => (upper[index] ? char.toUpperCase() : char.toLowerCase())).join(''))

const RECEIPT_KEY_NAMES = new Set(['id', 'sub', 'dlvrd', 'submit', 'done', 'submitdate', 'submit_date', 'donedate', 'done_date', 'stat', 'err', 'text'])
const extraField = fc
  .tuple(fc.constantFrom(...'ABCIMSRabcimsr'), chars(`${ALNUM}_`, 0, 8), chars(`${ALNUM}+.`, 0, 12))
  .map(([first, rest, value]) => ({ name: first + rest, value }))
  .filter(({ name }) => !RECEIPT_KEY_NAMES.has(name.toLowerCase()))

const receiptParts = fc.record({
  id: fc.option(chars(`${ALNUM}.-`, 1, 40), { nil: undefined }),
  stat: fc.option(fc.oneof(fc.constantFrom('DELIVRD', 'UNDELIV', 'REJECTD', 'EXPIRED', 'ACCEPTD', 'UNKNOWN', 'DELETED', 'ENROUTE', 'FAILED', '2', '5'), chars(`${ALNUM}_`, 1, 12)), { nil: undefined }),
  err: fc.option(chars(ALNUM, 0, 3), { nil: undefined }),
  sub: fc.option(chars('0123456789', 1, 3), { nil: undefined }),
  submitDate: fc.option(chars('0123456789', 10, 14), { nil: undefined }),
  text: fc.option(chars(`${ALNUM} .,!?'-`, 0, 30), { nil: undefined }),
  extras: fc.uniqueArray(extraField, { maxLength: 4, selector: ({ name }) => name.toLowerCase() }),
  prefix: fc.oneof(fc.constant(''), fc.tuple(chars(`${ALNUM}^<>? `, 0, 20), fc.constantFrom('^', '?', ' ', '>')).map(([text, separator]) => text + separator)),
  separator: fc.constantFrom(' ', '  ', '\t'),
})

/** Fields in random order, with random key case and spellings; returns the receipt text. */
const receipts = receiptParts
  .filter((parts) => parts.id !== undefined || parts.stat !== undefined)
  .chain((parts) => {
    const fields: Array<fc.Arbitrary<string>> = []
    const add = (key: fc.Arbitrary<string>, value: string | undefined) => {
      if (value !== undefined) fields.push(key.map((name) => `${name}:${value}`))
    }
    add(anyCase('id'), parts.id)
    add(anyCase('stat'), parts.stat)
    add(anyCase('err'), parts.err)
    add(anyCase('sub'), parts.sub)
    add(fc.constantFrom('submit date', 'submit_date', 'submitdate').chain(anyCase), parts.submitDate)
    add(anyCase('text'), parts.text)
    for (const extra of parts.extras) add(fc.constant(extra.name), extra.value)
    return fc.tuple(fc.constant(parts), fc.shuffledSubarray(fields.map((_, index) => index), { minLength: fields.length, maxLength: fields.length }), fc.tuple(...fields))
      .map(([generated, order, texts]) => ({ parts: generated, raw: generated.prefix + order.map((index) => texts[index]).join(generated.separator) }))
  })

describe('parseSmscReply over any receipt text', () => {
  it('never loses id, stat or err, whatever the order, case, prefix and extra fields', () => {
    fc.assert(
      fc.property(receipts, ({ parts, raw }) => {
        const reply = parseSmscReply(raw)
        expect(reply.kind).toBe('receipt')
        if (reply.kind !== 'receipt') return
        expect(reply.id).toBe(parts.id ?? null)
        expect(reply.stat).toBe(parts.stat ?? null)
        expect(reply.err).toBe(parts.err ?? null)
        expect(reply.raw).toBe(raw)
      }),
      { numRuns: 1500 },
    )
  })

  it('hideReceiptText replaces the text (the PIN) and nothing else: the hidden reply reads the same but for its text', () => {
    fc.assert(
      fc.property(receipts, ({ raw }) => {
        const reply = parseSmscReply(raw)
        const hidden = parseSmscReply(hideReceiptText(raw))
        if (reply.kind !== 'receipt' || hidden.kind !== 'receipt') throw new Error(`not a receipt: ${raw}`)
        const { raw: _raw, text, ...fields } = reply
        const { raw: _hiddenRaw, text: hiddenText, ...hiddenFields } = hidden
        expect(hiddenFields).toEqual(fields)
        expect(hiddenText).toBe(text === null || text === '' ? text : '********')
      }),
      { numRuns: 1500 },
    )
  })

  it('keeps vendor fields after a space and before any text as named extras', () => {
    const beforeText = receipts.filter(({ parts, raw }) =>
      /^$| $/.test(parts.prefix) && (parts.text === undefined || raw.search(/text:/i) === raw.length - `text:${parts.text}`.length))
    fc.assert(
      fc.property(beforeText, ({ parts, raw }) => {
        const reply = parseSmscReply(raw)
        if (reply.kind !== 'receipt') throw new Error(`not a receipt: ${raw}`)
        expect(reply.extras).toEqual(Object.fromEntries(parts.extras.map(({ name, value }) => [name, value])))
      }),
      { numRuns: 1000 },
    )
  })

  it('never throws on any text, and describes every reply in one printable line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom('id:', 'stat:', 'err:', 'text:', 'NACK/', 'ACK/', '0x', '/', ' ', ':', 'a', '1', '\u0000', '\n', '\uD800'), maxLength: 60 })), (raw) => {
        const reply = parseSmscReply(raw)
        expect(['ack', 'nack', 'receipt', 'other']).toContain(reply.kind)
        expect(reply.raw).toBe(raw)
        expect(() => JSON.stringify(reply)).not.toThrow()
        expect(describeSmscReply(raw)).not.toMatch(/[\u0000-\u001f\u007f]/)
      }),
      { numRuns: 2000 },
    )
  })
})
