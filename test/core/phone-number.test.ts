import { describe, expect, it } from 'vitest'
import { maskNumberFields, maskNumberIn, maskPhoneNumber, normalisePhoneNumber, toE164 } from '../../src/core/phone-number.js'
import { DEFAULT_NUMBER_PATTERN } from '../../src/core/config.js'
import { ConfigError, InputError } from '../../src/core/errors.js'
import { loadNumberParser } from '../../src/shell/phone-numbers.js'

const pattern = new RegExp(DEFAULT_NUMBER_PATTERN)

describe('normalisePhoneNumber makes one recipient for Kannel', () => {
  it.each([
    { raw: '+49 (170) 123-4567', want: '+491701234567' },
    { raw: '0049 170 1234567', want: '+491701234567' },
    { raw: '+44 7700 900123', want: '+447700900123' },
    { raw: '0044 7700-900123', want: '+447700900123' },
    { raw: '0170.123.45.67', want: '01701234567' },
    { raw: '  +491701234567\n', want: '+491701234567' },
    { raw: '123456', want: '123456' },
  ])('normalises $raw', ({ raw, want }) => {
    expect(normalisePhoneNumber(raw, pattern)).toBe(want)
  })

  it.each([
    { name: 'letters', raw: 'abc123456', message: /does not match regexp\.sms/ },
    { name: 'too short for the default pattern', raw: '12345', message: /does not match regexp\.sms/ },
    { name: 'a comma list', raw: '111,222333', message: /does not match/ },
    { name: 'a plus in the middle', raw: '49+1701234567', message: /not a number Kannel can send to/ },
    { name: 'only formatting', raw: '(((---)))', message: /not a number Kannel can send to/ },
    { name: 'empty', raw: '', message: /VLXSMS is empty/ },
    { name: 'a newline inside', raw: '+49170\n1234567', message: /does not match/ },
    { name: 'a megabyte', raw: '1'.repeat(1_000_000), message: /longer than 64/ },
  ])('refuses $name', ({ raw, message }) => {
    expect(() => normalisePhoneNumber(raw, pattern)).toThrow(InputError)
    expect(() => normalisePhoneNumber(raw, pattern)).toThrow(message)
  })

  it('uses the configured regexp.sms, whole-string as written', () => {
    expect(() => normalisePhoneNumber('+41791234567', /^\+49/)).toThrow(/does not match/)
    expect(normalisePhoneNumber('+491701234567', /^\+49/g)).toBe('+491701234567')
    expect(normalisePhoneNumber('+491701234567', /^\+49/g)).toBe('+491701234567')
  })
})

describe('toE164 with a default country', async () => {
  const parser = await loadNumberParser()
  it.each([
    { number: '01701234567', country: 'DE', want: '+491701234567' },
    { number: '+41791234567', country: 'DE', want: '+41791234567' },
    { number: '0791234567', country: 'CH', want: '+41791234567' },
  ])('writes $number ($country) as $want', ({ number, country, want }) => {
    expect(toE164(number, country, parser)).toBe(want)
  })

  it('refuses a number impossible for the country', () => {
    expect(() => toE164('017', 'DE', parser)).toThrow(InputError)
  })

  it('refuses an unknown country as a configuration error', () => {
    expect(() => toE164('01701234567', 'XX', parser)).toThrow(ConfigError)
  })
})

describe('maskPhoneNumber', () => {
  it.each([
    { number: '+491701234567', want: '+4917*****567' },
    { number: '01701234567', want: '0170****567' },
    { number: '1234567', want: '1***567' },
    { number: '123456', want: '****56' },
  ])('masks $number as $want', ({ number, want }) => {
    expect(maskPhoneNumber(number)).toBe(want)
  })
})

describe('a hostile regexp.sms cannot hang or crash a login', () => {
  it.each([
    { name: 'catastrophic backtracking', pattern: /^(a+)+$/, raw: `${'a'.repeat(60)}!`, message: /took longer than 2000 ms/ },
    { name: 'a pattern too long to be one', pattern: new RegExp('x'.repeat(5000)), raw: '1234567', message: /longer than 1000 characters/ },
  ])('$name is a configuration error', ({ pattern, raw, message }) => {
    expect(() => normalisePhoneNumber(raw, pattern)).toThrow(ConfigError)
    expect(() => normalisePhoneNumber(raw, pattern)).toThrow(message)
  })
})

describe('maskNumberIn: a known number masked in a reply, in every form a gateway quotes it', () => {
  it.each([
    ['{"to":"491701234567"}', '{"to":"4917*****567"}'],
    ['to=%2B491701234567&x=1', 'to=%2B4917*****567&x=1'],
    ['to=%2b491701234567', 'to=%2b4917*****567'],
    ['00491701234567 +491701234567', '004917*****567 +4917*****567'],
    ['"\\u002b491701234567"', '"\\u002b4917*****567"'],
    ['id 1491701234567 4917012345678', 'id 1491701234567 4917012345678'],
  ])('%s', (text, masked) => {
    expect(maskNumberIn(text, '+491701234567')).toBe(masked)
  })
})

describe('maskNumberFields: numbers in a JSON reply by their field, ids untouched', () => {
  it('masks mobile, to and msisdn, in strings and numbers, and keeps smsId', () => {
    expect(maskNumberFields('[{"smsId":"404000123","mobile":"491701234567"},{"mobile":491701234567, "To": "+491701234567","msisdn":"4915112345678"}]')).toBe(
      '[{"smsId":"404000123","mobile":"4917*****567"},{"mobile":4917*****567, "To": "+4917*****567","msisdn":"4915******678"}]',
    )
  })
})
