import { InputError, TextTooLongError } from './errors.js'
import { CONTROL_BUT_TAB_AND_LINE_BREAKS } from './control-chars.js'
import { plural } from './plural.js'

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
export function prepareText(raw: string, maxParts: number, targetLacks: (character: string) => boolean = () => false): PreparedText {
  const cleaned = cleanText(raw, 'Kannel')
  // Look-alikes are mapped when that keeps the text GSM 7-bit; in a UCS-2 text only those the target lacks.
  const asGsm = replaceLookAlikes(cleaned.text, () => true)
  const gsmAnalysis = analyseText(asGsm.text)
  const { text, warnings: mapped } = gsmAnalysis.encoding === 'gsm7' ? asGsm : replaceLookAlikes(cleaned.text, targetLacks)
  const warnings = [...cleaned.warnings, ...mapped]
  const analysis = analyseText(text)
  if (analysis.parts > maxParts) {
    const unitName = analysis.encoding === 'gsm7' ? 'GSM characters' : 'UCS-2 characters'
    const capacity = capacityInUnits(analysis.encoding, maxParts)
    const why =
      analysis.encoding === 'ucs2'
        ? ` It is sent as UCS-2 because of ${gsmAnalysis.nonGsmCharacters.map(describeCharacter).join(', ')}.`
        : analysis.units <= capacity
          ? ' A two-character symbol (€ [ ] { } ~ ^ \\ |) on a part boundary starts the next part: Kannel never splits one.'
          : ''
    throw new TextTooLongError(
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
    const codes = removed.slice(0, 5).map(codePoint).join(', ')
    warnings.push(`The text had ${plural(count(CONTROL_BUT_TAB_AND_LINE_BREAKS), 'control character')} a phone cannot show (${codes}); removed.`)
  }
  return { text: text.replaceAll('\t', ' ').replace(/\r\n?/g, '\n').replace(CONTROL_BUT_TAB_AND_LINE_BREAKS, ''), warnings }
}

/** Typographic characters a word processor or web page puts in, each with its GSM stand-in. */
const LOOK_ALIKES: ReadonlyArray<{ kind: string; replacement: string; characters: Readonly<Record<string, string>> }> = [
  { kind: 'no-break space', replacement: ' ', characters: { '\u00A0': 'NO-BREAK SPACE', '\u2007': 'FIGURE SPACE', '\u202F': 'NARROW NO-BREAK SPACE' } },
  { kind: 'typographic dash', replacement: '-', characters: { '\u2013': 'EN DASH', '\u2014': 'EM DASH', '\u2212': 'MINUS SIGN' } },
  { kind: 'typographic single quote', replacement: "'", characters: { '\u2018': 'LEFT SINGLE QUOTATION MARK', '\u2019': 'RIGHT SINGLE QUOTATION MARK', '\u201A': 'SINGLE LOW-9 QUOTATION MARK' } },
  { kind: 'typographic double quote', replacement: '"', characters: { '\u201C': 'LEFT DOUBLE QUOTATION MARK', '\u201D': 'RIGHT DOUBLE QUOTATION MARK', '\u201E': 'DOUBLE LOW-9 QUOTATION MARK' } },
  { kind: 'ellipsis character', replacement: '...', characters: { '\u2026': 'HORIZONTAL ELLIPSIS' } },
]
const CHARACTER_NAMES: ReadonlyMap<string, string> = new Map(LOOK_ALIKES.flatMap(({ characters }) => Object.entries(characters)))

/**
 * Replaces the typographic look-alikes (no-break spaces, dashes, curly quotes, ellipsis) the
 * target lacks by their GSM stand-ins, one warning per kind: one of them must not cost a login its PIN.
 * @example replaceLookAlikes('PIN 1 – bis 14:00', () => true).text === 'PIN 1 - bis 14:00'
 */
export function replaceLookAlikes(text: string, targetLacks: (character: string) => boolean): { text: string; warnings: string[] } {
  const warnings: string[] = []
  let result = text
  for (const { kind, replacement, characters } of LOOK_ALIKES) {
    const found = Object.keys(characters).filter((character) => targetLacks(character) && result.includes(character))
    if (found.length === 0) continue
    const count = found.reduce((sum, character) => sum + result.split(character).length - 1, 0)
    for (const character of found) result = result.replaceAll(character, replacement)
    warnings.push(`The text had ${plural(count, kind)} (${found.map(codePoint).join(', ')}); ${count === 1 ? 'sent' : 'each is sent'} as ${replacement === ' ' ? 'a space' : replacement}.`)
  }
  return { text: result, warnings }
}

/** `U+00A0`: how a character that may look like another is named in messages. */
export function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * A character as an error shows it: quoted, with its code point (and name when known), so a
 * no-break space cannot pass for a space.
 * @example describeCharacter('\u00A0') === '" " (U+00A0 NO-BREAK SPACE)'
 */
export function describeCharacter(character: string): string {
  const name = CHARACTER_NAMES.get(character)
  return `${JSON.stringify(character)} (${codePoint(character)}${name ? ` ${name}` : ''})`
}
