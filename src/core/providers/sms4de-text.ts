import { TextTooLongError } from '../errors.js'
import { analyseText, cleanText, describeCharacter, replaceLookAlikes } from '../sms-text.js'
import type { PreparedText } from './provider.js'

/** SMS4.de's manual: `text` holds at most 160 characters. */
export const SMS4DE_MAX_CHARACTERS = 160
/** Assumed, not in the manual: a UCS-2 SMS holds 70 UTF-16 units, as on the air interface. */
export const SMS4DE_MAX_UCS2_UNITS = 70

/** Where ISO-8859-15 differs from ISO-8859-1: eight bytes got new characters (€ is A4). */
const LATIN9_ONLY: ReadonlyMap<string, number> = new Map([
  ['€', 0xa4], ['Š', 0xa6], ['š', 0xa8], ['Ž', 0xb4], ['ž', 0xb8], ['Œ', 0xbc], ['œ', 0xbd], ['Ÿ', 0xbe],
])
const LATIN1_REPLACED: ReadonlySet<number> = new Set(LATIN9_ONLY.values())

/** The ISO-8859-15 byte of one character, or undefined when it has none. */
function latin9Byte(character: string): number | undefined {
  const special = LATIN9_ONLY.get(character)
  if (special !== undefined) return special
  const code = character.codePointAt(0)!
  return code <= 0xff && !LATIN1_REPLACED.has(code) ? code : undefined
}

/**
 * The text as ISO-8859-15 bytes, or undefined when a character has no byte there.
 * @example encodeLatin9('Größe €') → [0x47, 0x72, 0xf6, 0xdf, 0x65, 0x20, 0xa4]
 */
export function encodeLatin9(text: string): Uint8Array | undefined {
  const bytes: number[] = []
  for (const character of text) {
    const byte = latin9Byte(character)
    if (byte === undefined) return undefined
    bytes.push(byte)
  }
  return Uint8Array.from(bytes)
}

/** Characters without an ISO-8859-15 byte, first few, to explain why UCS-2 was chosen. */
function charactersOutsideLatin9(text: string): string[] {
  return [...new Set([...text].filter((character) => latin9Byte(character) === undefined))].slice(0, 5)
}

/**
 * UCS-2 as SMS4.de wants it with `kodierung=ucs`: four hex digits per UTF-16 unit (an emoji
 * is its surrogate pair).
 * @example toUcs2Hex('тест') === '0442043504410442'
 */
export function toUcs2Hex(text: string): string {
  let hex = ''
  for (let index = 0; index < text.length; index++) hex += text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0')
  return hex
}

/**
 * How a gateway may echo a text it took (the PIN in it) as hex: UCS-2 (SMS4.de's `kodierung=ucs`,
 * many gateways' `unicode=1`) and its UTF-8 bytes, each in either case.
 */
export function hexForms(text: string): string[] {
  const ucs2 = toUcs2Hex(text)
  const bytes = [...new TextEncoder().encode(text)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return [ucs2, ucs2.toLowerCase(), bytes, bytes.toUpperCase()]
}

/** Form encoding of bytes: RFC 3986 unreserved characters as they are, all else %XX (a space too). */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let encoded = ''
  for (const byte of bytes) {
    const character = String.fromCharCode(byte)
    encoded += /[A-Za-z0-9._~-]/.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return encoded
}

/**
 * Cleans and checks a text for SMS4.de: ISO-8859-15 when every character has a byte there,
 * UCS-2 otherwise. Longer than SMS4.de takes is refused, never cut.
 */
export function prepareSms4deText(raw: string): PreparedText {
  const cleaned = cleanText(raw, 'SMS4.de')
  // Look-alikes ISO-8859-15 lacks (dashes, curly quotes) are mapped when that spares the text UCS-2.
  const latin = replaceLookAlikes(cleaned.text, (character) => latin9Byte(character) === undefined)
  const { text, warnings } = encodeLatin9(latin.text) !== undefined ? { text: latin.text, warnings: [...cleaned.warnings, ...latin.warnings] } : cleaned
  if (encodeLatin9(text) !== undefined) {
    const characters = [...text].length
    if (characters > SMS4DE_MAX_CHARACTERS) {
      throw new TextTooLongError(`The text is ${characters} characters; SMS4.de takes at most ${SMS4DE_MAX_CHARACTERS} in one SMS.`, 'Shorten the text (smskannel.template, or what VISULOX sends).')
    }
    const gsm = analyseText(text)
    if (gsm.encoding === 'gsm7' && gsm.units > SMS4DE_MAX_CHARACTERS) {
      warnings.push(`The text needs ${gsm.units} GSM 7-bit units (€, [, ], {, }, |, ^, ~ and \\ count twice): more than one SMS holds, and how SMS4.de handles that is not documented.`)
    }
    return { text, encoding: 'iso-8859-15', units: characters, parts: 1, warnings }
  }
  if (text.length > SMS4DE_MAX_UCS2_UNITS) {
    const why = charactersOutsideLatin9(text).map(describeCharacter).join(', ')
    throw new TextTooLongError(
      `The text is ${text.length} UCS-2 characters; SMS4.de takes at most ${SMS4DE_MAX_UCS2_UNITS} in one UCS-2 SMS. It is sent as UCS-2 because of ${why}, which ISO-8859-15 lacks.`,
      'Shorten the text, or write it with ISO-8859-15 characters only (then 160 fit).',
    )
  }
  return { text, encoding: 'ucs2', units: text.length, parts: 1, warnings }
}
