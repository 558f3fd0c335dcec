import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { parseDlrLine } from '../../src/core/dlr.js'
import { describeSmscReply, hideReceiptText, parseReceiptTime, parseSmscReply } from '../../src/core/smsc-reply.js'
import { describeCommandStatus, formatCommandStatus } from '../../src/core/smpp-status.js'

interface CorpusEntry {
  source: string
  raw: string
  expect: Record<string, unknown>
}

const corpus = (JSON.parse(readFileSync(new URL('../fixtures/smsc-replies.json', import.meta.url), 'utf8')) as { entries: CorpusEntry[] }).entries
const schema = JSON.parse(readFileSync(new URL('../../docs/dlr-event.schema.json', import.meta.url), 'utf8'))

describe('corpus of real SMSC replies (test/fixtures/smsc-replies.json)', () => {
  it('holds at least 50 distinct replies, each with its public source', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50)
    expect(new Set(corpus.map((entry) => entry.raw)).size).toBe(corpus.length)
    for (const entry of corpus) expect(entry.source).toMatch(/^https:\/\/\S+$|^[\w.-]+\/[\w.-]+ \S+$/)
  })

  it.each(corpus)('reads $raw', ({ raw, expect: fields }) => {
    expect(parseSmscReply(raw)).toMatchObject({ raw, ...fields })
  })

  it('turns every reply into a DLR event the published schema accepts', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema)
    for (const { raw } of corpus) {
      const parsed = parseDlrLine(`dlr=1&reply=${encodeURIComponent(raw)}`, {
        receivedAt: new Date('2026-11-28T12:00:00Z'),
        source: { kind: 'stdin', line: 1 },
        names: { ...DLR_PARAMS },
        feedbackPath: '/smsKannelfeedback',
      })
      expect(parsed).toMatchObject({ kind: 'event', event: { smscReply: { raw } } })
      if (parsed.kind === 'event') expect(validate(parsed.event) ? [] : validate.errors).toEqual([])
    }
  })
})

describe('parseSmscReply', () => {
  it.each([
    {
      name: 'vendor fields after err are extras, not err',
      raw: 'id:40072910491427628 sub:001 dlvrd:001 submit date:1007291049 done date:1007291049 stat:DELIVRD err:000 IMSI:219101100935850 MSC:38591016 MCCMNC:21910',
      want: { err: '000', text: null, extras: { IMSI: '219101100935850', MSC: '38591016', MCCMNC: '21910' } },
    },
    {
      name: 'empty vendor fields stay empty',
      raw: 'id:4007 stat:UNDELIV err:001 IMSI: MSC: ORN:VipNet',
      want: { stat: 'UNDELIV', err: '001', extras: { IMSI: '', MSC: '', ORN: 'VipNet' } },
    },
    {
      name: 'keys in any case',
      raw: 'ID:7 SUB:001 DLVRD:001 SUBMIT DATE:2611280937 DONE DATE:2611280938 STAT:delivrd ERR:000 TEXT:Hi',
      want: { id: '7', submitDate: '2611280937', doneDate: '2611280938', stat: 'delivrd', err: '000', text: 'Hi', outcome: 'delivered' },
    },
    {
      name: 'a key repeated in the text stays text',
      raw: 'id:c951cb6d sub:001 dlvrd:001 submit date:2611280937 done date:2611280938 stat:DELIVRD err:000 text:PIN: 1 id:x',
      want: { id: 'c951cb6d', stat: 'DELIVRD', text: 'PIN: 1 id:x', extras: {} },
    },
    {
      name: 'words with a colon inside the text stay text',
      raw: 'id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Your PIN: 4711 Seq: 17',
      want: { text: 'Your PIN: 4711 Seq: 17', extras: {} },
    },
    {
      name: 'dotted ids verbatim',
      raw: 'id:10.20.30.40 stat:ACCEPTD err:000',
      want: { id: '10.20.30.40', outcome: 'accepted' },
    },
    {
      name: 'keys that are names of object properties are ordinary extras',
      raw: 'id:1 constructor:x hasOwnProperty:y toString:z stat:DELIVRD',
      want: { stat: 'DELIVRD', extras: Object.fromEntries([['constructor', 'x'], ['hasOwnProperty', 'y'], ['toString', 'z']]) },
    },
    { name: 'a NACK code too large for SMPP is text', raw: 'NACK/9999999999/x', want: { kind: 'nack', code: null, text: '9999999999/x' } },
    { name: 'no id, but a stat', raw: 'stat:EXPIRED err:027', want: { kind: 'receipt', id: null, stat: 'EXPIRED', err: '027', outcome: 'undelivered' } },
    { name: 'numeric stat as SMPP message_state', raw: 'id:1 stat:5 err:0', want: { stat: '5', outcome: 'undelivered', meaning: 'the SMSC could not deliver it' } },
    { name: 'words without keys are not a receipt', raw: 'Delivered to handset', want: { kind: 'other' } },
    { name: 'a word that only ends in id: is not a key', raw: 'paid:5 total', want: { kind: 'other' } },
    { name: 'NACK with lower-case hex', raw: 'NACK/0x00000058/Throttling error', want: { kind: 'nack', code: '0x00000058', smpp: { name: 'ESME_RTHROTTLED' } } },
    { name: 'NACK without a code', raw: 'NACK/no SMSC', want: { kind: 'nack', code: null, text: 'no SMSC' } },
    { name: 'ACK text kept', raw: 'ACK/Message accepted', want: { kind: 'ack', text: 'Message accepted' } },
  ])('$name', ({ raw, want }) => {
    expect(parseSmscReply(raw)).toMatchObject({ raw, ...want })
  })

  it('leaves a NACK without a code without an smpp field, as before', () => {
    expect(parseSmscReply('NACK/no SMSC')).toEqual({ kind: 'nack', raw: 'NACK/no SMSC', code: null, text: 'no SMSC' })
  })
})

describe('parseReceiptTime', () => {
  it.each([
    { value: '2611280937', want: '2026-11-28T09:37:00' },
    { value: '261128093712', want: '2026-11-28T09:37:12' },
    { value: '20261128093712', want: '2026-11-28T09:37:12' },
    { value: '180711070003912+', want: '2018-07-11T07:00:03' },
    { value: '0000000000', want: null },
    { value: '2613280937', want: null },
    { value: '2602300937', want: null },
    { value: '2402291200', want: '2024-02-29T12:00:00' },
    { value: '2502291200', want: null },
    { value: '2604310000', want: null },
    { value: '2611282400', want: null },
    { value: '26112809', want: null },
    { value: null, want: null },
  ])('reads $value', ({ value, want }) => {
    expect(parseReceiptTime(value)).toBe(want)
  })
})

describe('describeCommandStatus', () => {
  it.each([
    { value: 0x0b, want: 'invalid destination address (ESME_RINVDSTADR, 0x0000000b)' },
    { value: 0x45, want: 'submit failed (ESME_RSUBMITFAIL, 0x00000045)' },
    { value: 0x36, want: 'a code SMPP reserves; only the SMSC knows what it means (0x00000036)' },
    { value: 0x401, want: "the SMSC vendor's own error code (0x00000401)" },
  ])('names $value', ({ value, want }) => {
    expect(formatCommandStatus(describeCommandStatus(value))).toBe(want)
  })
})

describe('describeSmscReply, as status shows a reply', () => {
  it.each([
    { raw: 'NACK/0x0000000b/Invalid Destination Address', want: 'invalid destination address (ESME_RINVDSTADR, 0x0000000b)' },
    { raw: 'NACK/0X00000045/SUBMIT FAILED', want: 'submit failed (ESME_RSUBMITFAIL, 0x00000045)' },
    { raw: 'NACK/11/Invalid Destination', want: 'invalid destination address (ESME_RINVDSTADR, 0x0000000b)' },
    { raw: 'NACK/no SMSC', want: 'reply NACK/no SMSC (Kannel has no SMSC connection that may send to this number)' },
    { raw: 'NACK/something odd', want: 'reply NACK/something odd' },
    { raw: 'NACK/constructor', want: 'reply NACK/constructor' },
    { raw: 'id:1 stat:constructor', want: 'receipt constructor: a state SMPP does not name' },
    { raw: 'ACK/', want: 'reply ACK/' },
    { raw: 'id:1 stat:DELIVRD err:000 text:x', want: 'receipt DELIVRD: delivered to the phone' },
    { raw: 'id:1 stat:UNDELIV err:021 text:x', want: "receipt UNDELIV: the SMSC could not deliver it, SMSC error 021 (the SMSC's own code)" },
    { raw: 'id:1 stat:BADSTAT err:0', want: 'receipt BADSTAT: a state SMPP does not name' },
    { raw: 'id:1 err:500', want: "receipt without a state, SMSC error 500 (the SMSC's own code)" },
    { raw: 'weird\u001b[31mred', want: 'reply weird?[31mred' },
  ])('shows $raw as "$want"', ({ raw, want }) => {
    expect(describeSmscReply(raw)).toBe(want)
  })
})

describe('hideReceiptText: a receipt without the message text it quotes', () => {
  it.each([
    ['id:1 sub:001 dlvrd:001 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 text:Your PIN is 730215', 'id:1 sub:001 dlvrd:001 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 text:********'],
    ['id:1 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 Text:PIN 1  ', 'id:1 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 Text:********  '],
    ['SMSAlert^id:1 text:PIN 730215 stat:UNDELIV err:027', 'SMSAlert^id:1 text:******** stat:UNDELIV err:027'],
    ['id:1 stat:DELIVRD err:000 text:', 'id:1 stat:DELIVRD err:000 text:'],
    ['NACK/0x0000000b/Invalid Destination Address text:x', 'NACK/0x0000000b/Invalid Destination Address text:x'],
    ['ACK/', 'ACK/'],
    ['sub:001 dlvrd:001 err:000 TEXT:PIN 730215', 'sub:001 dlvrd:001 err:000 TEXT:********'],
    ['vendor-text:kept', 'vendor-text:kept'],
  ])('%s', (raw, hidden) => {
    expect(hideReceiptText(raw)).toBe(hidden)
  })
})
