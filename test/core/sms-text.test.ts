import { describe, expect, it } from 'vitest'
import { analyseText, prepareText } from '../../src/core/sms-text.js'
import { InputError } from '../../src/core/errors.js'

describe('analyseText counts like Kannel (docs/kannel.md §4)', () => {
  it.each([
    { name: '160 GSM digits', text: '0123456789'.repeat(16), want: { encoding: 'gsm7', units: 160, parts: 1 } },
    { name: '161 GSM digits', text: '0123456789'.repeat(16) + '0', want: { encoding: 'gsm7', units: 161, parts: 2 } },
    { name: '306 GSM characters', text: 'x'.repeat(306), want: { encoding: 'gsm7', units: 306, parts: 2 } },
    { name: '307 GSM characters', text: 'x'.repeat(307), want: { encoding: 'gsm7', units: 307, parts: 3 } },
    { name: '160 umlauts (GSM basic)', text: 'ä'.repeat(160), want: { encoding: 'gsm7', units: 160, parts: 1 } },
    { name: '161 umlauts', text: 'ä'.repeat(161), want: { encoding: 'gsm7', units: 161, parts: 2 } },
    { name: '80 euro signs (2 septets each)', text: '€'.repeat(80), want: { encoding: 'gsm7', units: 160, parts: 1 } },
    { name: '81 euro signs', text: '€'.repeat(81), want: { encoding: 'gsm7', units: 162, parts: 2 } },
    { name: '159 a + €', text: 'a'.repeat(159) + '€', want: { encoding: 'gsm7', units: 161, parts: 2 } },
    { name: '158 a + []', text: 'a'.repeat(158) + '[]', want: { encoding: 'gsm7', units: 162, parts: 2 } },
    { name: 'each extension character costs 2', text: '^{}\\[~]|€', want: { encoding: 'gsm7', units: 18, parts: 1 } },
    { name: 'newlines are GSM', text: 'PIN: 1\nSeq: 2', want: { encoding: 'gsm7', units: 13, parts: 1 } },
    { name: '70 Cyrillic characters', text: 'Ж'.repeat(70), want: { encoding: 'ucs2', units: 70, parts: 1 } },
    { name: '71 Cyrillic characters', text: 'Ж'.repeat(71), want: { encoding: 'ucs2', units: 71, parts: 2 } },
    { name: '134 Cyrillic characters', text: 'Ж'.repeat(134), want: { encoding: 'ucs2', units: 134, parts: 2 } },
    { name: '135 Cyrillic characters', text: 'Ж'.repeat(135), want: { encoding: 'ucs2', units: 135, parts: 3 } },
    { name: '35 emoji are 70 UTF-16 units', text: '😀'.repeat(35), want: { encoding: 'ucs2', units: 70, parts: 1 } },
    { name: '36 emoji are 72 units', text: '😀'.repeat(36), want: { encoding: 'ucs2', units: 72, parts: 2 } },
    { name: 'one non-GSM letter makes it all UCS-2', text: 'a'.repeat(69) + 'ê', want: { encoding: 'ucs2', units: 70, parts: 1 } },
    // Kannel never splits ESC + character across parts: the text needs 3 parts, not 2.
    { name: '152 a, €, 147 b, END12: € on the boundary', text: 'a'.repeat(152) + '€' + 'b'.repeat(147) + 'END12', want: { encoding: 'gsm7', units: 306, parts: 3 } },
    { name: '151 a, € inside part 1', text: 'a'.repeat(151) + '€' + 'b'.repeat(153), want: { encoding: 'gsm7', units: 306, parts: 2 } },
    { name: '152 a, [ on the boundary, short tail', text: 'a'.repeat(152) + '[' + 'b', want: { encoding: 'gsm7', units: 155, parts: 1 } },
    { name: '152 a, ] on the boundary of a 2-part text', text: 'a'.repeat(152) + ']' + 'b'.repeat(10), want: { encoding: 'gsm7', units: 164, parts: 2 } },
    { name: 'escapes on both boundaries', text: 'a'.repeat(152) + '{' + 'b'.repeat(150) + '}' + 'c'.repeat(153), want: { encoding: 'gsm7', units: 459, parts: 4 } },
    { name: 'all €: 76 per part', text: '€'.repeat(153), want: { encoding: 'gsm7', units: 306, parts: 3 } },
    { name: 'UCS-2: an emoji across the boundary costs nothing extra', text: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(66), want: { encoding: 'ucs2', units: 134, parts: 2 } },
    { name: 'UCS-2: 66 Ж, emoji, 65 Ж, END needs 3 parts', text: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(65) + 'END', want: { encoding: 'ucs2', units: 136, parts: 3 } },
  ])('$name', ({ text, want }) => {
    expect(analyseText(text)).toMatchObject(want)
  })
})

describe('prepareText refuses what Kannel would mangle silently', () => {
  it.each([
    { name: 'empty text (Kannel sends an empty SMS)', raw: '', message: /empty/ },
    { name: 'only whitespace', raw: ' \n ', message: /empty/ },
    { name: '161 GSM characters with one part allowed', raw: 'x'.repeat(161), message: /161 GSM characters, 2 SMS parts; at most 1 part \(160/ },
    { name: '71 UCS-2 characters with one part allowed', raw: 'Ж'.repeat(71), message: /71 UCS-2 characters, 2 SMS parts.*because of "Ж"/ },
    { name: 'the issue\'s escape on the boundary with 2 parts allowed', raw: 'a'.repeat(152) + '€' + 'b'.repeat(147) + 'END12', parts: 2, message: /306 GSM characters, 3 SMS parts; at most 2 parts \(306 GSM characters\) allowed\. A two-character symbol .* Kannel never splits one/ },
    { name: 'only control characters', raw: '\u0000\u0007\t', message: /empty/ },
    { name: 'a lone surrogate', raw: 'PIN \ud83d', message: /lone surrogate/ },
  ])('$name', ({ raw, message, parts = 1 }) => {
    expect(() => prepareText(raw, parts)).toThrow(InputError)
    expect(() => prepareText(raw, parts)).toThrow(message)
  })

  it.each([
    { name: 'exactly 160 GSM characters in one part', raw: 'x'.repeat(160), parts: 1 },
    { name: '306 characters in two parts', raw: 'x'.repeat(306), parts: 2 },
    { name: '70 UCS-2 characters in one part', raw: 'Ж'.repeat(70), parts: 1 },
  ])('accepts $name', ({ raw, parts }) => {
    expect(prepareText(raw, parts).text).toBe(raw)
  })

  it.each([
    { name: 'an emoji across the 67-unit part boundary', raw: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(10), want: true },
    { name: 'an emoji just before the boundary', raw: 'Ж'.repeat(65) + '😀' + 'Ж'.repeat(10), want: false },
    { name: 'one part only', raw: 'Ж'.repeat(66) + '😀', want: false },
  ])('notices $name (Kannel would split the pair)', ({ raw, want }) => {
    expect(prepareText(raw, 2).analysis.splitsSurrogatePair).toBe(want)
  })

  it('drops trailing newlines, as a here-document leaves them', () => {
    expect(prepareText('PIN: 1234\nSeq: 7\n\n', 1).text).toBe('PIN: 1234\nSeq: 7')
  })

  it('composes a decomposed umlaut so the text stays GSM', () => {
    const { text, analysis } = prepareText('Gu\u0308ltig', 1)
    expect(text).toBe('Gültig')
    expect(analysis.encoding).toBe('gsm7')
  })
})

describe('prepareText never lets a control character block a login', () => {
  it.each([
    { name: 'a tab', raw: 'PIN:\t482913', text: 'PIN: 482913', warnings: ['The text had 1 tab; each is sent as a space.'] },
    { name: 'tabs of a here-document', raw: '\tPIN: 1\n\tSeq: 2\n', text: ' PIN: 1\n Seq: 2', warnings: ['The text had 2 tabs; each is sent as a space.'] },
    { name: 'CRLF line ends', raw: 'PIN: 1\r\nSeq: 2\r\n', text: 'PIN: 1\nSeq: 2', warnings: ['The text had 2 carriage returns (CRLF or CR line ends); sent as LF newlines.'] },
    { name: 'a lone CR', raw: 'PIN: 1\rSeq: 2', text: 'PIN: 1\nSeq: 2', warnings: ['The text had 1 carriage return (CRLF or CR line ends); sent as LF newlines.'] },
    { name: 'NUL, BEL, ESC, DEL and a C1 control', raw: 'P\u0000I\u0007N\u001b: \u007f1\u0085', text: 'PIN: 1', warnings: ['The text had 5 control characters a phone cannot show (U+0000, U+0007, U+001B, U+007F, U+0085); removed.'] },
    { name: 'a form feed', raw: 'PIN\f 1', text: 'PIN 1', warnings: ['The text had 1 control character a phone cannot show (U+000C); removed.'] },
    {
      name: 'every kind at once, one warning each',
      raw: 'a\tb\tc\r\nd\u0001\u0001',
      text: 'a b c\nd',
      warnings: ['The text had 2 tabs; each is sent as a space.', 'The text had 1 carriage return (CRLF or CR line ends); sent as LF newlines.', 'The text had 2 control characters a phone cannot show (U+0001); removed.'],
    },
    { name: 'a clean text', raw: 'PIN: 1\nSeq: 2', text: 'PIN: 1\nSeq: 2', warnings: [] },
  ])('$name', ({ raw, text, warnings }) => {
    const prepared = prepareText(raw, 1)
    expect(prepared.text).toBe(text)
    expect(prepared.warnings).toEqual(warnings)
  })
})
