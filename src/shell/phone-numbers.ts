import type { CountryCode } from 'libphonenumber-js'
import type { NumberParser } from '../core/phone-number.js'

/** Loads libphonenumber-js only for sites that set a default country: its import slows a login. */
export async function loadNumberParser(): Promise<NumberParser> {
  const lib = await import('libphonenumber-js/min')
  return {
    isSupportedCountry: (country) => lib.isSupportedCountry(country),
    parse: (number, country) => {
      try {
        return lib.parsePhoneNumberWithError(number, country as CountryCode)
      } catch {
        return undefined
      }
    },
  }
}
