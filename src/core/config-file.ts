import { CONFIG_KEY_NAMES, CONFIG_KEYS, envNameForKey, isConfigKey, type SourceValues } from './config.js'
import { ConfigError } from './errors.js'
import { decodeWindows1252 } from './redact.js'

/** A dotted VISULOX key such as `smskannel.gwurl` or `regexp.sms`. */
const KEY_PATTERN = '[A-Za-z][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)+'
const KEY = new RegExp(`^${KEY_PATTERN}$`)
const KEY_EQUALS_VALUE = new RegExp(`^(${KEY_PATTERN})\\s*[=:]\\s?(.*)$`)
const SPACED_TABLE_ROW = new RegExp(`^(${KEY_PATTERN})(?:\\s+(\\S.*))?$`)
/** `key   :secret`: a two-column row whose value starts with `:` or `=`, or a `key =value` line. */
const PADDED_SEPARATOR = new RegExp(`^${KEY_PATTERN}\\s+([=:]\\S.*)$`)
/** Dashed lines around the table, ASCII or pasted from a terminal with box-drawing characters. */
const RULER = /^[|+=\s\-─━│┃┼├┤┌┐└┘┬┴]+$/
/** The command above the table, with or without a shell prompt (`#` is root's). */
const VISULOX_COMMAND = /^[$#>%]?\s*visulox\s+config\b/
/** Words of the table's header row (`| changed | key | value |`, or `Name  Value`). */
const HEADER_WORDS = new Set(['', 'changed', 'key', 'name', 'value', 'module', 'default'])
/** The changed column holds `*` (or nothing); anything short without a dot is a marker too. */
const CHANGED_MARK = /^[^.\s]{0,3}$/

/** What `sms-kannel` can read, for the error about a file that yields nothing. */
export const CONFIG_SHAPES = [
  'key = value lines (# starts a comment)',
  'the box `visulox config -name sms` prints: | changed | key | value | rows between dashed lines',
  'the two-column table: key and value separated by spaces, or | key | value |',
] as const

export interface ParsedConfigText {
  values: SourceValues
  warnings: string[]
}

type LineReading =
  | {
      key: string
      value: string
      /** The whole value if this line is a two-column row: `key   :secret`. */
      columnValue?: string
      /** Read as a two-column row, which makes the file a table. */
      spaced?: true
      /** The value ended at ` #`. */
      cut?: true
      unclosedQuote?: true
    }
  | { skip: true }
  | { unreadable: string }

/**
 * Reads `key = value` lines, or the table `visulox config -name sms` prints, pasted as is:
 * the box (`| changed | key | value |` between dashed lines, `*` marking changed rows), or
 * the two-column table (`key   value`, optionally between `|` borders), any widths, CRLF.
 * Headers, rulers, the command line, comments and keys of other VISULOX modules are
 * skipped; a misspelt key of ours (smskannel.*, sms4de.*, http.*) or a table row that cannot be read gets a warning.
 * Throws ConfigError when the file yields no key at all: it is not a config file we read.
 * @example parseConfigText('smskannel.gwurl = http://kannel:13013', '/etc/sms.conf')
 */
export function parseConfigText(text: string, fileName: string): ParsedConfigText {
  const values: SourceValues = {}
  const firstSet = new Map<string, string>()
  const warnings: string[] = []
  let keysSeen = 0
  const readings = text.split(/\r?\n|\r/).map(readLine)
  // In a two-column table, `key   :secret` is a row whose value starts with `:`.
  const table = readings.some((reading) => 'spaced' in reading)
  readings.forEach((reading, index) => {
    const where = `${fileName}:${index + 1}`
    if ('skip' in reading) return
    if ('unreadable' in reading) {
      warnings.push(`${where}: ${reading.unreadable}; line ignored`)
      return
    }
    keysSeen += 1
    const name = reading.key.toLowerCase()
    if (!isConfigKey(name)) {
      if (OWN_KEY_PREFIXES.some((prefix) => name.startsWith(prefix))) warnings.push(`${where}: unknown key ${name} ignored`)
      return
    }
    const value = table && reading.columnValue !== undefined ? reading.columnValue : reading.value
    const first = firstSet.get(name)
    if (first === undefined) firstSet.set(name, where)
    else warnings.push(`${where}: ${name} set again (first at ${first}); the later value is used`)
    if (reading.unclosedQuote) warnings.push(`${where}: ${name} starts with a quote that is never closed, so the quote is part of the value`)
    if (reading.cut && (CONFIG_KEYS[name].secret || (name.startsWith('regexp.') && !compiles(value)))) {
      warnings.push(`${where}: ${name} is cut at ' #', which starts a comment; quote the value: ${name} = "..."`)
    }
    values[name] = { value, where }
  })
  if (keysSeen === 0) {
    const unread = warnings.length > 0 ? ` (${warnings.length} line${warnings.length === 1 ? '' : 's'} could not be read; first: ${warnings[0]})` : ''
    throw new ConfigError(
      `The config file ${fileName} holds no setting sms-kannel can read${unread}.`,
      `Understood: ${CONFIG_SHAPES.join('; ')}. See examples/sms-kannel.conf and examples/visulox-config-sms.txt.`,
    )
  }
  return { values, warnings }
}

function readLine(rawLine: string): LineReading {
  const line = rawLine.replaceAll('│', '|').trim()
  if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('```') || RULER.test(line)) return { skip: true }
  if (VISULOX_COMMAND.test(line)) return { skip: true }
  if (line.startsWith('|')) return readBoxRow(line)
  const assignment = KEY_EQUALS_VALUE.exec(line)
  if (assignment) {
    const padded = PADDED_SEPARATOR.exec(line)
    return { ...readAssignment(assignment[1]!, assignment[2]!), ...(padded ? { columnValue: padded[1]!.trim() } : {}) }
  }
  const spaced = SPACED_TABLE_ROW.exec(line)
  if (spaced) return { key: spaced[1]!, value: (spaced[2] ?? '').trim(), spaced: true }
  if (isHeader(line.split(/\s+/))) return { skip: true }
  if (/^\S+\s*=/.test(line)) return { unreadable: 'not a key = value line: keys are dotted, such as smskannel.gwurl' }
  return { skip: true }
}

/**
 * `| changed | key | value |` or `| key | value |`. A value may itself hold `|` (a regexp),
 * so everything after the key cell, up to the closing border, is the value.
 */
function readBoxRow(line: string): LineReading {
  const cells = line.slice(1, line.endsWith('|') && line.length > 1 ? -1 : undefined).split('|')
  const trimmed = cells.map((cell) => cell.trim())
  if (isHeader(trimmed)) return { skip: true }
  const keyIndex = KEY.test(trimmed[0] ?? '') ? 0 : KEY.test(trimmed[1] ?? '') && CHANGED_MARK.test(trimmed[0] ?? '') ? 1 : -1
  if (keyIndex < 0) return { unreadable: 'a table row without a key where | changed | key | value | has it' }
  return { key: trimmed[keyIndex]!, value: cells.slice(keyIndex + 1).join('|').trim() }
}

function isHeader(cells: readonly string[]): boolean {
  return cells.some((cell) => cell !== '') && cells.every((cell) => HEADER_WORDS.has(cell.toLowerCase()))
}

/**
 * `key = value`: a `#` after whitespace starts a comment, so the commented defaults in
 * examples/sms-kannel.conf work when uncommented; a value that needs ` #` is quoted.
 */
function readAssignment(key: string, rest: string): { key: string; value: string; cut?: true; unclosedQuote?: true } {
  const value = rest.trim()
  const quote = value[0]
  const quoted = quote === '"' || quote === "'"
  const end = quoted ? value.indexOf(quote, 1) : -1
  if (end > 0) {
    const after = value.slice(end + 1).trim()
    if (after === '' || after.startsWith('#')) return { key, value: value.slice(1, end) }
  }
  const comment = /\s#/.exec(value)
  const reading = { key, value: (comment ? value.slice(0, comment.index) : value).trim() }
  // A quote closed before more text is a pattern's (`"status"\s*:`); one never closed is a paste cut short.
  return { ...reading, ...(comment ? { cut: true } : {}), ...(quoted && end < 0 ? { unclosedQuote: true } : {}) }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}

/**
 * A config file, .env or password file as text. Not UTF-8 is read as Windows-1252 (what a
 * German admin's Windows editor saves), UTF-16 by its BOM (Notepad's "Unicode"); both warn,
 * since a password read in the wrong encoding fails only at the gateway, as wrong credentials.
 */
export function decodeConfigBytes(bytes: Uint8Array, description: string): { text: string; warnings: string[] } {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined
  if (utf16) {
    try {
      const text = new TextDecoder(utf16, { fatal: true }).decode(bytes)
      return { text, warnings: [`The ${description} is UTF-16; read it as such: save it as UTF-8.`] }
    } catch {
      throw new ConfigError(`The ${description} starts as UTF-16 but is not valid UTF-16; save it as UTF-8.`)
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), warnings: [] }
  } catch {
    const line = firstLineNotUtf8(bytes)
    return { text: decodeWindows1252(bytes), warnings: [`The ${description} is not UTF-8 (line ${line} first); read it as Windows-1252: save it as UTF-8.`] }
  }
}

function firstLineNotUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let start = 0
  for (let line = 1; ; line += 1) {
    const end = bytes.indexOf(0x0a, start)
    try {
      decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end))
    } catch {
      return line
    }
    if (end < 0) return line
    start = end + 1
  }
}

/** Only sms-kannel reads these, so a name under them that is no key is a misspelling (sms4de.sendr). */
const OWN_KEY_PREFIXES = ['smskannel.', 'sms4de.', 'http.']
const OWN_ENV_PREFIXES = ['SMSKANNEL_', 'SMS4DE_', 'SMSHTTP_']

/**
 * Picks our keys out of an environment-like object (`process.env`, or a parsed `.env`):
 * `SMSKANNEL_GWURL` sets `smskannel.gwurl`.
 */
export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>, label: string): ParsedConfigText {
  const values: SourceValues = {}
  const warnings: string[] = []
  const known = new Set<string>()
  for (const key of CONFIG_KEY_NAMES) {
    const name = envNameForKey(key)
    known.add(name)
    const value = Object.hasOwn(env, name) ? env[name] : undefined
    if (value !== undefined) values[key] = { value, where: `${label} ${name}` }
  }
  for (const name of Object.keys(env)) {
    if (OWN_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)) && !known.has(name) && name !== 'SMSKANNEL_CONFIG') {
      warnings.push(`${label}: unknown variable ${name} ignored`)
    }
  }
  return { values, warnings }
}
