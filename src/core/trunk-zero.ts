import { InputError } from './errors.js'
import { truncateForMessage } from './redact.js'

/**
 * Every country calling code (ITU-T E.164; as in libphonenumber's metadata). The codes are
 * prefix-free, so the digits after `+` name exactly one of them.
 */
const COUNTRY_CALLING_CODES = new Set(
  ('1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 ' +
    '211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 ' +
    '250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 ' +
    '371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 ' +
    '596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 850 852 853 855 856 880 886 960 961 962 ' +
    '963 964 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998').split(' '),
)

/**
 * Codes whose countries dial 0 as a trunk prefix and have no national number starting with
 * 0 (from libphonenumber's metadata): there, `+49 (0) 170` can only mean `+49 170`. Elsewhere
 * (Italy's `+39 06`, Côte d'Ivoire's `+225 07`) the 0 may belong to the number.
 */
const TRUNK_ZERO_CODES = new Set(
  ('20 27 31 32 33 40 41 43 44 46 49 51 53 54 55 57 58 60 61 63 64 66 84 86 90 92 93 94 95 98 211 212 213 218 231 232 233 234 243 249 251 252 254 ' +
    '255 256 260 261 262 263 264 265 291 353 355 358 359 370 373 374 377 380 381 382 383 385 386 387 389 421 423 508 590 591 593 594 595 596 686 ' +
    '850 855 856 880 886 961 962 963 964 966 967 970 971 972 976 977 994 995 996').split(' '),
)

/** The calling code an international number's digits start with, if any. */
export function countryCallingCode(digits: string): string | undefined {
  for (let length = 1; length <= 3; length++) {
    if (COUNTRY_CALLING_CODES.has(digits.slice(0, length))) return digits.slice(0, length)
  }
  return undefined
}

/**
 * Drops a trunk zero written after the country code, as in `+49 (0) 170 1234567`,
 * `0049 (0)170…`, `+44 (0) 7700…`, `+49 (0170) 1234567` or `+49 0170 1234567`, where the
 * country never has a 0 there. Refuses `(0)` where its meaning is not certain: an unknown
 * country code, a country whose numbers may start with 0, or `(0)` elsewhere in the number.
 * `compact` has the formatting removed except parentheses, and `00` already written as `+`.
 * @example dropTrunkZero('+49(0)1701234567', '+49 (0) 170 1234567') === '+491701234567'
 */
export function dropTrunkZero(compact: string, raw: string): string {
  const parenthesisedZero = /\(0/.test(compact)
  if (!compact.startsWith('+')) {
    if (parenthesisedZero && !compact.startsWith('(0')) throw ambiguous(raw, 'a (0) inside a national number')
    return compact
  }
  const code = countryCallingCode(compact.slice(1).replace(/[()]/g, ''))
  const afterCode = code === undefined ? undefined : compact.slice(1 + code.length)
  const zeroAfterCode = afterCode !== undefined && /^\(?0/.test(afterCode)
  if (parenthesisedZero && !(zeroAfterCode && afterCode!.startsWith('('))) {
    throw ambiguous(raw, code === undefined ? 'no known country code before the (0)' : `the (0) is not right after the country code +${code}`)
  }
  if (!zeroAfterCode) return compact
  if (!TRUNK_ZERO_CODES.has(code!)) {
    if (!parenthesisedZero) return compact
    throw ambiguous(raw, `numbers of country code +${code} may start with 0, so the (0) may be part of the number`)
  }
  const national = afterCode!.startsWith('(0)') ? afterCode!.slice(3) : afterCode!.startsWith('(') ? `(${afterCode!.slice(2)}` : afterCode!.slice(1)
  return `+${code}${national}`
}

function ambiguous(raw: string, why: string): InputError {
  return new InputError(
    `The phone number "${truncateForMessage(raw)}" is ambiguous: ${why}. Nothing was sent.`,
    'Write the number as it is dialled from abroad, without parentheses, such as +49 170 1234567.',
  )
}
