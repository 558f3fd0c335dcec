import { formatLocal } from './report-time.js'
import { ConfigError, InputError, TextTooLongError } from './errors.js'
import { truncateForMessage } from './redact.js'
import { hasControlCharacters } from './control-chars.js'
import { replaceLookAlikes } from './sms-text.js'
import { plural } from './plural.js'

/** What VISULOX puts in the environment of the PIN wrapper script. */
export interface VisuloxPinEnvironment {
  text: string | undefined
  number: string | undefined
  pin: string | undefined
  pinFormatted: string | undefined
  sequence: string | undefined
  expirationTime: string | undefined
  lifetime: string | undefined
  loginUser: string | undefined
}

const VARIABLES = {
  VLXPIN_TEXT: 'text',
  VLXSMS: 'number',
  VLXPIN: 'pin',
  VLXPIN_FMT: 'pinFormatted',
  VLXPIN_SEQUENCE: 'sequence',
  VLXPIN_EXPIRATIONTIME: 'expirationTime',
  VLXPIN_LIFETIME: 'lifetime',
  VLXLOGINUSER: 'loginUser',
} as const satisfies Record<string, keyof VisuloxPinEnvironment>

/** Fields whose length an error must not tell either. */
const SECRET_FIELDS: ReadonlySet<keyof VisuloxPinEnvironment> = new Set(['pin', 'pinFormatted'])

/** A sequence goes into the dlr-url and the store; VISULOX's are short numbers. */
const MAX_SEQUENCE_LENGTH = 64

/** Fields where blanks carry no meaning: a whitespace-only one is as unset as '' (a PIN of spaces is no PIN). */
const TRIMMED_FIELDS: ReadonlySet<keyof VisuloxPinEnvironment> = new Set(['pin', 'pinFormatted', 'sequence'])

/** U+FFFD (bytes that were not UTF-8) and format characters (bidi, zero-width) make a sequence nobody can type into status. */
const UNTYPEABLE = /[\uFFFD\p{Cf}]/u

export function readVisuloxEnvironment(env: Readonly<Record<string, string | undefined>>): VisuloxPinEnvironment {
  const result = {} as VisuloxPinEnvironment
  for (const [name, field] of Object.entries(VARIABLES)) {
    const given = Object.hasOwn(env, name) ? env[name] : undefined
    const value = given !== undefined && TRIMMED_FIELDS.has(field) ? given.trim() : given
    result[field] = value === '' ? undefined : value
  }
  if (result.sequence !== undefined) {
    if (result.sequence.length > MAX_SEQUENCE_LENGTH || hasControlCharacters(result.sequence) || UNTYPEABLE.test(result.sequence)) {
      const shown = result.sequence.replace(new RegExp(UNTYPEABLE.source, 'gu'), (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)
      throw new InputError(`VLXPIN_SEQUENCE "${truncateForMessage(shown, 20)}" is not a sequence number.`)
    }
  }
  return result
}

/**
 * The PIN in both forms VISULOX gives it, and as the text carries it once look-alikes are
 * replaced (`482\u202F913` → `482 913`); each is kept out of every output.
 */
export function pinSecrets(vlx: VisuloxPinEnvironment): string[] {
  const given = [vlx.pin, vlx.pinFormatted].filter((value): value is string => value !== undefined && value.trim() !== '')
  return [...new Set(given.flatMap((pin) => [pin, replaceLookAlikes(pin, () => true).text]))]
}

/**
 * Fills `${VLX...}` placeholders; `\n` in the template is a newline (config files are one
 * line per key). An epoch-seconds expiration time is shown as local date and time.
 * @example renderPinTemplate('PIN ${VLXPIN} seq ${VLXPIN_SEQUENCE}', vlx, 'Europe/Berlin')
 */
export function renderPinTemplate(template: string, vlx: VisuloxPinEnvironment, timeZone: string | (() => string)): string {
  return template
    .replace(/\\(n|\\)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : '\\'))
    .replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
      if (!Object.hasOwn(VARIABLES, name)) {
        throw new ConfigError(
          `smskannel.template uses \${${name}}, which VISULOX does not set.`,
          `Use one of ${Object.keys(VARIABLES).map((known) => `\${${known}}`).join(', ')}.`,
        )
      }
      const field = VARIABLES[name as keyof typeof VARIABLES]
      const value = vlx[field] ?? ''
      return field === 'expirationTime' ? formatExpirationTime(value, typeof timeZone === 'function' ? timeZone() : timeZone) : value
    })
}

/**
 * The VISULOX variables a template uses that are not set: each leaves a gap in the SMS
 * ("Valid until: " and nothing), which the sender should hear about.
 */
export function unsetPlaceholders(template: string, vlx: VisuloxPinEnvironment): string[] {
  const unset = new Set<string>()
  for (const [, name] of template.matchAll(/\$\{([A-Z_]+)\}/g)) {
    if (Object.hasOwn(VARIABLES, name!) && vlx[VARIABLES[name as keyof typeof VARIABLES]] === undefined) unset.add(name!)
  }
  return [...unset]
}

/**
 * A refused long text that VISULOX's values made, with the variable to blame: VLXPIN_TEXT, or
 * a placeholder whose value is most of the text and, left empty, lets it fit (`fits` asks the
 * provider). A template a few characters too long is the template's fault, not its longest value's.
 * Names and lengths only: the PIN is one of the values.
 */
export function blameLongText(error: TextTooLongError, template: string | undefined, vlx: VisuloxPinEnvironment, timeZone: string | (() => string), fits: (text: string) => boolean): TextTooLongError {
  if (template === undefined) return new TextTooLongError(`${error.message} It is VLXPIN_TEXT, as VISULOX set it.`, error.hint)
  const used = [...new Set(Array.from(template.matchAll(/\$\{([A-Z_]+)\}/g), ([, name]) => name as keyof typeof VARIABLES))]
  const set = used.flatMap((name) => {
    const value = Object.hasOwn(VARIABLES, name) ? vlx[VARIABLES[name]] : undefined
    return value === undefined ? [] : [{ name, field: VARIABLES[name], characters: [...value].length }]
  })
  set.sort((a, b) => b.characters - a.characters)
  const textCharacters = [...renderPinTemplate(template, vlx, timeZone)].length
  const culprit = set.find(({ field, characters }) => characters * 2 > textCharacters && fits(renderPinTemplate(template, { ...vlx, [field]: undefined }, timeZone)))
  if (culprit) {
    // A PIN cannot be left out of the template: only VISULOX's setting can be wrong.
    if (SECRET_FIELDS.has(culprit.field)) return new TextTooLongError(`${error.message} ${culprit.name} makes it so long.`, `Check what VISULOX sets in ${culprit.name}.`)
    return new TextTooLongError(
      `${error.message} ${culprit.name} makes it so long: it holds ${plural(culprit.characters, 'character')}.`,
      `Check what VISULOX sets in ${culprit.name}, or take \${${culprit.name}} out of smskannel.template.`,
    )
  }
  const filled = set.filter(({ field }) => !SECRET_FIELDS.has(field)).map(({ name, characters }) => `${name} (${plural(characters, 'character')})`)
  return new TextTooLongError(`${error.message} It is smskannel.template filled in${filled.length > 0 ? ` with ${filled.join(', ')}` : ''}.`, error.hint)
}

/** VISULOX may give the expiry as epoch seconds; a person wants a wall-clock time. */
export function formatExpirationTime(value: string, timeZone: string): string {
  if (!/^\d{9,11}$/.test(value.trim())) return value
  return formatLocal(Number(value) * 1000, timeZone, 'minute')
}

/** Warnings (never errors: the login must go on) when the user could not use the SMS. */
export function checkPinText(text: string, vlx: VisuloxPinEnvironment): string[] {
  const warnings: string[] = []
  const pins = pinSecrets(vlx)
  if (pins.length > 0 && !pins.some((pin) => text.includes(pin))) {
    warnings.push('The text does not contain the PIN (VLXPIN or VLXPIN_FMT).')
  }
  if (vlx.sequence !== undefined && !text.includes(vlx.sequence)) {
    warnings.push(`The text does not contain the sequence number ${vlx.sequence} (VLXPIN_SEQUENCE).`)
  }
  // Node turns bytes that are not UTF-8 (a Latin-1 environment, say) into U+FFFD.
  if (text.includes('\uFFFD')) {
    warnings.push('The text contains U+FFFD, the mark of bytes that were not UTF-8: is the wrapper\'s locale Latin-1?')
  }
  return warnings
}
