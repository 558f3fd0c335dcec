import { InputError } from './errors.js'

/** GSM 03.38 basic character set: one septet each (ESC at 0x1B is left out on purpose). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
/** GSM 03.38 extension table: ESC plus the character, so two septets each. */
const GSM_EXTENSION = '\f^{}\\[~]|€'

const GSM_BASIC_SET = new Set(GSM_BASIC)
const GSM_EXTENSION_SET = new Set(GSM_EXTENSION)

/** Per-part sizes Kannel uses (kannel-behaviour §4): one part, or concatenated parts with a UDH. */
export const PART_SIZE = {
  gsm7: { single: 160, concatenated: 153 },
  ucs2: { single: 70, concatenated: 67 },
} as const

export type SmsEncoding = keyof typeof PART_SIZE

export interface TextAnalysis {
  encoding: SmsEncoding
  /** Septets for GSM 7-bit (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number
  parts: number
  /** Characters that forced UCS-2, first few, for the message that explains why. */
  nonGsmCharacters: string[]
  /** Kannel splits UCS-2 every 67 units, even inside an emoji's surrogate pair (§11.7). */
  splitsSurrogatePair: boolean
}

/**
 * Counts a text the way the SMSC bills it.
 * @example analyseText('Gültig € 5') → { encoding: 'gsm7', units: 11, parts: 1 }
 */
export function analyseText(text: string): TextAnalysis {
  let septets = 0
  const nonGsm = new Set<string>()
  for (const character of text) {
    if (GSM_BASIC_SET.has(character)) septets += 1
    else if (GSM_EXTENSION_SET.has(character)) septets += 2
    else nonGsm.add(character)
  }
  const encoding: SmsEncoding = nonGsm.size === 0 ? 'gsm7' : 'ucs2'
  const units = encoding === 'gsm7' ? septets : text.length
  const parts = countParts(units, encoding)
  return { encoding, units, parts, nonGsmCharacters: [...nonGsm].slice(0, 5), splitsSurrogatePair: encoding === 'ucs2' && splitsSurrogatePair(text, parts) }
}

function splitsSurrogatePair(text: string, parts: number): boolean {
  for (let part = 1; part < parts; part++) {
    const lastUnit = text.charCodeAt(part * PART_SIZE.ucs2.concatenated - 1)
    if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) return true
  }
  return false
}

function countParts(units: number, encoding: SmsEncoding): number {
  const size = PART_SIZE[encoding]
  if (units <= size.single) return 1
  return Math.ceil(units / size.concatenated)
}

/** The most units a text may have to fit in `maxParts` parts. */
export function capacityInUnits(encoding: SmsEncoding, maxParts: number): number {
  const size = PART_SIZE[encoding]
  return maxParts === 1 ? size.single : size.concatenated * maxParts
}

/** Control characters other than newline and carriage return have no place in a PIN text. */
const FORBIDDEN_CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * What every provider refuses or tidies alike: Unicode NFC (so a decomposed "ä" stays one
 * character), trailing newlines dropped; no empty text, control characters or broken UTF-16.
 */
export function cleanText(raw: string, providerLabel: string): string {
  if (LONE_SURROGATE.test(raw)) throw new InputError('The text contains broken Unicode (a lone surrogate).')
  const text = raw.normalize('NFC').replace(/[\r\n]+$/, '')
  if (text.trim() === '') {
    throw new InputError(`The text is empty; ${providerLabel} would send an empty SMS.`, 'VISULOX sets VLXPIN_TEXT; otherwise set smskannel.template, or pass --text.')
  }
  const control = FORBIDDEN_CONTROL.exec(text)
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    throw new InputError(`The text contains the control character U+${code} at position ${control.index + 1}.`)
  }
  return text
}

/**
 * Cleans up and checks a text before sending: Unicode NFC (so a decomposed "ä" stays GSM),
 * trailing newlines dropped. Refuses what Kannel would mangle silently: empty text (sent
 * as an empty SMS), control characters, broken UTF-16, and text longer than `maxParts`
 * (Kannel truncates it and still answers 202).
 */
export function prepareText(raw: string, maxParts: number): { text: string; analysis: TextAnalysis } {
  const text = cleanText(raw, 'Kannel')
  const analysis = analyseText(text)
  if (analysis.parts > maxParts) {
    const unitName = analysis.encoding === 'gsm7' ? 'GSM characters' : 'UCS-2 characters'
    const why =
      analysis.encoding === 'ucs2'
        ? ` It is sent as UCS-2 because of ${analysis.nonGsmCharacters.map((c) => JSON.stringify(c)).join(' ')}.`
        : ''
    throw new InputError(
      `The text is ${analysis.units} ${unitName}, ${analysis.parts} SMS parts; at most ${maxParts} part${maxParts === 1 ? '' : 's'} (${capacityInUnits(analysis.encoding, maxParts)} ${unitName}) allowed.${why}`,
      'Shorten the text, or raise smskannel.maxparts (and max-messages for the sendsms-user in kannel.conf).',
    )
  }
  return { text, analysis }
}
