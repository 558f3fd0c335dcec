import { InputError, ConfigError } from './errors.js'
import { truncateForMessage } from './redact.js'
import { matchesWithin } from './guarded-regexp.js'
import { dropTrunkZero } from './trunk-zero.js'

/** Longer than any real number with formatting; also keeps a hostile regexp.sms fast. */
const MAX_RAW_LENGTH = 64
/** Characters people write inside numbers; Kannel reads a space as a second recipient. */
const FORMATTING = /[\s.\-/]/g
/** E.164 allows 15 digits; short codes and internal numbers can be as short as 3. */
const KANNEL_NUMBER = /^\+?[0-9]{3,20}$/

/**
 * Checks the number against `regexp.sms`, then makes it safe for Kannel's `to`: formatting
 * removed, a `00` international prefix written as `+` (`+00 49` too), and a trunk zero after the
 * country code dropped (`+49 (0) 170`); a number whose meaning is not certain (`000 49`) is refused.
 * @example normalisePhoneNumber('+49 (0) 170 123-4567', pattern) === '+491701234567'
 */
export function normalisePhoneNumber(raw: string, numberPattern: RegExp): string {
  const trimmed = foldNumberCharacters(raw).trim()
  if (trimmed === '') {
    throw new InputError('No phone number: VLXSMS is empty.', 'VISULOX sets VLXSMS from the user\'s SMS number; by hand, pass --to.')
  }
  if (trimmed.length > MAX_RAW_LENGTH) throw new InputError(`The phone number is longer than ${MAX_RAW_LENGTH} characters.`)
  if (!matchesWithin(numberPattern, trimmed)) {
    throw new InputError(
      `The phone number "${truncateForMessage(trimmed)}"${describeOddCharacter(trimmed)} does not match regexp.sms (${numberPattern.source}).`,
      'Correct the user\'s SMS number, or regexp.sms if the number is right.',
    )
  }
  // `+00 49`: the 00 repeats what the + already says, so it goes.
  const international = trimmed.replace(FORMATTING, '').replace(/^\((\+|00)(\d{1,3})\)/, '$1$2').replace(/^\+00(?=[1-9])/, '+').replace(/^00/, '+')
  const compact = dropTrunkZero(international, trimmed).replace(/[()]/g, '')
  if (compact.startsWith('+0')) {
    throw new InputError(
      `The phone number "${truncateForMessage(trimmed)}" has no country code: after the international prefix it goes on with 0 ("${truncateForMessage(compact)}"), and no country code starts with 0.`,
      'Write it as +49 170 1234567 or 0049 170 1234567 (000 or 011 as the international prefix is not read as one).',
    )
  }
  if (!KANNEL_NUMBER.test(compact)) {
    throw new InputError(
      `The phone number "${truncateForMessage(trimmed)}" is not a number Kannel can send to: after removing formatting it is "${truncateForMessage(compact)}".`,
      'Use digits with an optional leading + or 00, such as +49 170 1234567.',
    )
  }
  return compact
}

/** Spaces other than U+0020 (no-break, narrow, figure: numbers copied from Outlook or a web page). */
const ODD_SPACE = /\p{Zs}/gu
/** Full-width forms (＋４９ １７０…, from East Asian input methods), which NFKC writes as ASCII. */
const FULL_WIDTH = /[\uFF01-\uFF5E]/g

/** Folds what looks like a number's characters and means the same; nothing else is touched. */
export function foldNumberCharacters(raw: string): string {
  return raw.replace(ODD_SPACE, ' ').replace(FULL_WIDTH, (c) => c.normalize('NFKC'))
}

/** A character outside ASCII looks like a valid one in the message; name it so it can be found. */
function describeOddCharacter(number: string): string {
  const odd = /[^\x20-\x7e]/u.exec(number)
  if (!odd) return ''
  const code = odd[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
  return ` (it holds U+${code} after "${truncateForMessage(number.slice(0, odd.index), 20)}")`
}

/**
 * Hides the middle of a number in everything people read; enough is left to tell two
 * numbers apart in a log.
 * @example maskPhoneNumber('+491701234567') === '+4917******567'
 */
export function maskPhoneNumber(number: string): string {
  if (number.length <= 6) return '*'.repeat(Math.max(0, number.length - 2)) + number.slice(-2)
  const keepStart = number.startsWith('+') ? 5 : 4
  const start = number.slice(0, Math.min(keepStart, number.length - 6))
  return start + '*'.repeat(number.length - start.length - 3) + number.slice(-3)
}

/**
 * A known number masked wherever a gateway's reply quotes it: +49…, 0049…, 49…, %2B49…,
 * \u002b49…, but not inside a longer run of digits (an id).
 * @example maskNumberIn('{"to":"491701234567"}', '+491701234567') === '{"to":"4917*****567"}'
 */
export function maskNumberIn(text: string, number: string): string {
  const digits = number.replace(/^\+/, '')
  if (!/^[0-9]{7,}$/.test(digits)) return text
  const masked = maskPhoneNumber(digits)
  return text.replace(new RegExp(`(?<![0-9])(\\+|%2[Bb]|00|\\\\u002[Bb])?${digits}(?![0-9])`, 'g'), (_, prefix: string | undefined) => `${prefix ?? ''}${masked}`)
}

/** JSON fields that hold a phone number, by their usual names (SMS4.de's `mobile`, `to`, `msisdn`, ...). */
const NUMBER_FIELD = /("(?:mobile|msisdn|phone|handynr|handy|recipient|receiver|destination|number|to)"\s*:\s*"?)(\+?[0-9]{7,15})(?![0-9])/gi

/**
 * Numbers masked in a provider's JSON when they are not known beforehand (feedback --poll):
 * by the field that holds them, so ids (digits too) stay as they are.
 */
export function maskNumberFields(text: string): string {
  return text.replace(NUMBER_FIELD, (_, head: string, number: string) => `${head}${maskPhoneNumber(number)}`)
}

/** libphonenumber-js's parser, passed in so this module stays free of its slow import. */
export interface NumberParser {
  isSupportedCountry(country: string): boolean
  parse(number: string, country: string): { number: string; isPossible(): boolean } | undefined
}

/**
 * Writes a national number in full E.164 using the configured default country; numbers
 * that already start with + keep their own country.
 * @example toE164('01701234567', 'DE', parser) === '+491701234567'
 */
export function toE164(number: string, defaultCountry: string, parser: NumberParser): string {
  if (!parser.isSupportedCountry(defaultCountry)) {
    throw new ConfigError(`smskannel.country "${defaultCountry}" is not a country code libphonenumber knows.`, 'Use an ISO 3166 code such as DE, AT or CH.')
  }
  const parsed = parser.parse(number, defaultCountry)
  if (!parsed || !parsed.isPossible()) {
    throw new InputError(
      `The phone number ${maskPhoneNumber(number)} is not a possible number for ${defaultCountry}.`,
      'Check the user\'s SMS number; international numbers need a leading + or 00.',
    )
  }
  return parsed.number
}
