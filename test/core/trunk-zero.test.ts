import { describe, expect, it } from 'vitest'
import { thrown } from '../helpers/thrown.js'
import { DEFAULT_NUMBER_PATTERN } from '../../src/core/config.js'
import { InputError } from '../../src/core/errors.js'
import { normalisePhoneNumber } from '../../src/core/phone-number.js'
import { countryCallingCode } from '../../src/core/trunk-zero.js'

const pattern = new RegExp(DEFAULT_NUMBER_PATTERN)

describe('a trunk zero after the country code is dropped, without smskannel.country', () => {
  // Shapes as people write them in signatures, on web pages and in directories.
  it.each([
    { raw: '+49 (0) 170 1234567', want: '+491701234567' },
    { raw: '+49 (0)170 1234567', want: '+491701234567' },
    { raw: '+49(0)170 1234567', want: '+491701234567' },
    { raw: '+49(0)1701234567', want: '+491701234567' },
    { raw: '+49-(0)170-1234567', want: '+491701234567' },
    { raw: '+49.(0)170.123.45.67', want: '+491701234567' },
    { raw: '+49 ( 0 ) 170 1234567', want: '+491701234567' },
    { raw: '0049 (0)170 1234567', want: '+491701234567' },
    { raw: '0049(0)170-1234567', want: '+491701234567' },
    { raw: '(0049) (0)170 1234567', want: '+491701234567' },
    { raw: '(+49) 170 1234567', want: '+491701234567' },
    { raw: '+49 (0170) 1234567', want: '+491701234567' },
    { raw: '+49 0170 1234567', want: '+491701234567' },
    { raw: '+41 (0)79 123 45 67', want: '+41791234567' },
    { raw: '+41 (0) 79 123 45 67', want: '+41791234567' },
    { raw: '+43 (0)664 1234567', want: '+436641234567' },
    { raw: '+44 (0) 7700 900123', want: '+447700900123' },
    { raw: '+44 (0)7700 900 123', want: '+447700900123' },
    { raw: '+44 (0)20 7946 0000', want: '+442079460000' },
    { raw: '+33 (0)6 12 34 56 78', want: '+33612345678' },
    { raw: '+31 (0)6 12345678', want: '+31612345678' },
    { raw: '+32 (0)470 12 34 56', want: '+32470123456' },
    { raw: '+353 (0)87 123 4567', want: '+353871234567' },
    { raw: '+46 (0)70 123 45 67', want: '+46701234567' },
    { raw: '+49 (170) 123-4567', want: '+491701234567' },
    { raw: '+39 06 1234 5678', want: '+390612345678' },
    { raw: '(0)170 1234567', want: '01701234567' },
    { raw: '(0170) 1234567', want: '01701234567' },
  ])('$raw is sent to $want', ({ raw, want }) => {
    expect(normalisePhoneNumber(raw, pattern)).toBe(want)
  })

  it.each([
    { raw: '+39 (0)6 1234 5678', why: /country code \+39 may start with 0/ },
    { raw: '+39 (0)347 1234567', why: /country code \+39 may start with 0/ },
    { raw: '+225 (0)7 0123 4567', why: /country code \+225 may start with 0/ },
    { raw: '+1 (0) 555 123 4567', why: /country code \+1 may start with 0/ },
    { raw: '+4917 (0) 1234567', why: /not right after the country code \+49/ },
    { raw: '+49 170 (0) 1234567', why: /not right after the country code \+49/ },
    { raw: '+999 (0) 1234567', why: /no known country code/ },
    { raw: '0170 (0) 1234567', why: /inside a national number/ },
  ])('$raw is ambiguous: refused with exit 65, never guessed', ({ raw, why }) => {
    const error = thrown(() => normalisePhoneNumber(raw, pattern))
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).exitCode).toBe(65)
    expect((error as InputError).message).toMatch(why)
    expect((error as InputError).message).toMatch(/ambiguous.*Nothing was sent/)
  })

  it.each([
    { digits: '491701234567', code: '49' },
    { digits: '17005550100', code: '1' },
    { digits: '35387', code: '353' },
    { digits: '99912', code: undefined },
  ])('finds the calling code of $digits', ({ digits, code }) => {
    expect(countryCallingCode(digits)).toBe(code)
  })
})
