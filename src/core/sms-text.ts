import { InputError } from './errors.js'
import { CONTROL_BUT_TAB_AND_LINE_BREAKS } from './control-chars.js'

/** GSM 03.38 basic character set: one septet each (ESC at 0x1B is left out on purpose). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
/** GSM 03.38 extension table: ESC plus the character, so two septets each. */
const GSM_EXTENSION = '\f^{}\\[~]|€'

const GSM_BASIC_SET = new Set(GSM_BASIC)
const GSM_EXTENSION_SET = new Set(GSM_EXTENSION)

/** Per-part sizes Kannel uses (docs/kannel.md §4): one part, or concatenated parts with a UDH. */
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
  /** Kannel splits UCS-2 every 67 units, even inside an emoji's surrogate pair (docs/kannel.md §4). */
  splitsSurrogatePair: boolean
}

/**
 * Counts a text the way the SMSC bills it.
 * @example analyseText('Gültig € 5') → { encoding: 'gsm7', units: 11, parts: 1 }
 */
export function analyseText(text: string): TextAnalysis {
  const septetCosts: number[] = []
  const nonGsm = new Set<string>()
  for (const character of text) {
    if (GSM_BASIC_SET.has(character)) septetCosts.push(1)
    else if (GSM_EXTENSION_SET.has(character)) septetCosts.push(2)
    else nonGsm.add(character)
  }
  const encoding: SmsEncoding = nonGsm.size === 0 ? 'gsm7' : 'ucs2'
  const units = encoding === 'gsm7' ? septetCosts.reduce((sum, cost) => sum + cost, 0) : text.length
  const parts = encoding === 'gsm7' ? countGsmParts(septetCosts, units) : countUcs2Parts(units)
  return { encoding, units, parts, nonGsmCharacters: [...nonGsm].slice(0, 5), splitsSurrogatePair: encoding === 'ucs2' && splitsSurrogatePair(text, parts) }
}

function splitsSurrogatePair(text: string, parts: number): boolean {
  for (let part = 1; part < parts; part++) {
    const lastUnit = text.charCodeAt(part * PART_SIZE.ucs2.concatenated - 1)
    if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) return true
  }
  return false
}

/**
 * Kannel never splits an escape sequence (`€` is ESC + e) across two parts: one that would
 * straddle a boundary starts the next part, leaving 152 septets in this one (docs/kannel.md §4).
 */
function countGsmParts(septetCosts: readonly number[], septets: number): number {
  if (septets <= PART_SIZE.gsm7.single) return 1
  let parts = 1
  let used = 0
  for (const cost of septetCosts) {
    if (used + cost > PART_SIZE.gsm7.concatenated) {
      parts += 1
      used = 0
    }
    used += cost
  }
  return parts
}

/** Kannel cuts UCS-2 every 67 units, even inside a surrogate pair, so plain division is right. */
function countUcs2Parts(units: number): number {
  return units <= PART_SIZE.ucs2.single ? 1 : Math.ceil(units / PART_SIZE.ucs2.concatenated)
}

/** The most units a text may have to fit in `maxParts` parts. */
export function capacityInUnits(encoding: SmsEncoding, maxParts: number): number {
  const size = PART_SIZE[encoding]
  return maxParts === 1 ? size.single : size.concatenated * maxParts
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

export interface PreparedText {
  text: string
  analysis: TextAnalysis
  /** One per kind of control character changed, for stderr: the login goes on. */
  warnings: string[]
}

/**
 * What every provider tidies or refuses alike: Unicode NFC (so a decomposed "ä" stays one
 * character), trailing newlines dropped, control characters made harmless (tab → space,
 * CRLF or CR → LF, others removed) with one warning per kind, never an error: a wrapper's
 * stray tab must not cost a login its PIN. Refuses an empty text and broken UTF-16.
 */
export function cleanText(raw: string, providerLabel: string): { text: string; warnings: string[] } {
  if (LONE_SURROGATE.test(raw)) throw new InputError('The text contains broken Unicode (a lone surrogate).')
  const { text: cleaned, warnings } = replaceControlCharacters(raw.normalize('NFC'))
  const text = cleaned.replace(/\n+$/, '')
  if (text.trim() === '') {
    throw new InputError(`The text is empty; ${providerLabel} would send an empty SMS.`, 'VISULOX sets VLXPIN_TEXT; otherwise set smskannel.template, or pass --text.')
  }
  return { text, warnings }
}

/**
 * Cleans up and checks a text for Kannel (see cleanText), and refuses text longer than
 * `maxParts` (Kannel truncates it and still answers 202).
 */
export function prepareText(raw: string, maxParts: number): PreparedText {
  const { text, warnings } = cleanText(raw, 'Kannel')
  const analysis = analyseText(text)
  if (analysis.parts > maxParts) {
    const unitName = analysis.encoding === 'gsm7' ? 'GSM characters' : 'UCS-2 characters'
    const capacity = capacityInUnits(analysis.encoding, maxParts)
    const why =
      analysis.encoding === 'ucs2'
        ? ` It is sent as UCS-2 because of ${analysis.nonGsmCharacters.map((c) => JSON.stringify(c)).join(' ')}.`
        : analysis.units <= capacity
          ? ' A two-character symbol (€ [ ] { } ~ ^ \\ |) on a part boundary starts the next part: Kannel never splits one.'
          : ''
    throw new InputError(
      `The text is ${analysis.units} ${unitName}, ${analysis.parts} SMS parts; at most ${maxParts} part${maxParts === 1 ? '' : 's'} (${capacity} ${unitName}) allowed.${why}`,
      'Shorten the text, or raise smskannel.maxparts (and max-messages for the sendsms-user in kannel.conf).',
    )
  }
  return { text, analysis, warnings }
}

function replaceControlCharacters(text: string): { text: string; warnings: string[] } {
  const warnings: string[] = []
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0
  const tabs = count(/\t/g)
  const carriageReturns = count(/\r/g)
  const removed = [...new Set(text.match(CONTROL_BUT_TAB_AND_LINE_BREAKS) ?? [])]
  if (tabs > 0) warnings.push(`The text had ${plural(tabs, 'tab')}; each is sent as a space.`)
  if (carriageReturns > 0) warnings.push(`The text had ${plural(carriageReturns, 'carriage return')} (CRLF or CR line ends); sent as LF newlines.`)
  if (removed.length > 0) {
    const codes = removed.slice(0, 5).map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ')
    warnings.push(`The text had ${plural(count(CONTROL_BUT_TAB_AND_LINE_BREAKS), 'control character')} a phone cannot show (${codes}); removed.`)
  }
  return { text: text.replaceAll('\t', ' ').replace(/\r\n?/g, '\n').replace(CONTROL_BUT_TAB_AND_LINE_BREAKS, ''), warnings }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
