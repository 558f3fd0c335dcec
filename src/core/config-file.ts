import { CONFIG_KEY_NAMES, envNameForKey, isConfigKey, type SourceValues } from './config.js'

/** A dotted VISULOX key such as `smskannel.gwurl` or `regexp.sms`. */
const KEY = '([A-Za-z][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)+)'
const KEY_EQUALS_VALUE = new RegExp(`^${KEY}\\s*[=:]\\s?(.*)$`)
const PIPE_TABLE_ROW = new RegExp(`^\\|?\\s*${KEY}\\s*\\|(.*?)\\|?$`)
const SPACED_TABLE_ROW = new RegExp(`^${KEY}\\s+(\\S.*)$`)

export interface ParsedConfigText {
  values: SourceValues
  warnings: string[]
}

/**
 * Reads `key = value` lines, or the table `visulox config -name sms` prints, pasted as is
 * (`key   value` columns, optionally between `|` borders). Headers, rulers, comments and
 * keys of other VISULOX modules are skipped; a misspelt `smskannel.*` key gets a warning.
 * @example parseConfigText('smskannel.gwurl = http://kannel:13013', '/etc/sms.conf')
 */
export function parseConfigText(text: string, fileName: string): ParsedConfigText {
  const values: SourceValues = {}
  const warnings: string[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';') || /^[|+=\s-]+$/.test(line)) return
    const match = KEY_EQUALS_VALUE.exec(line) ?? PIPE_TABLE_ROW.exec(line) ?? SPACED_TABLE_ROW.exec(line)
    if (!match) return
    const name = match[1]!.toLowerCase()
    const where = `${fileName}:${index + 1}`
    if (!isConfigKey(name)) {
      if (name.startsWith('smskannel.')) warnings.push(`${where}: unknown key ${name} ignored`)
      return
    }
    values[name] = { value: unquote(match[2]!.trim()), where }
  })
  return { values, warnings }
}

function unquote(value: string): string {
  const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value)
  return quoted ? quoted[1]! : value
}

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
    if (name.startsWith('SMSKANNEL_') && !known.has(name) && name !== 'SMSKANNEL_CONFIG') {
      warnings.push(`${label}: unknown variable ${name} ignored`)
    }
  }
  return { values, warnings }
}
