import { describe, expect, it } from 'vitest'
import { analyseText, prepareText } from '../../src/core/sms-text.js'
import { InputError } from '../../src/core/errors.js'

describe('analyseText counts like the SMSC (kannel-behaviour §4)', () => {
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
    { name: 'a NUL byte', raw: 'PIN\u00001234', message: /U\+0000 at position 4/ },
    { name: 'a tab', raw: 'PIN\t1234', message: /U\+0009/ },
    { name: 'a lone surrogate', raw: 'PIN \ud83d', message: /lone surrogate/ },
  ])('$name', ({ raw, message }) => {
    expect(() => prepareText(raw, 1)).toThrow(InputError)
    expect(() => prepareText(raw, 1)).toThrow(message)
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
