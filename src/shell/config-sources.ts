import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { CONFIG_KEY_NAMES, CONFIG_KEYS, PRECEDENCE, type ConfigSources, type SourceValues } from '../core/config.js'
import { proxyPassword } from '../core/proxy-credentials.js'
import { configFromEnvironment, decodeConfigBytes, parseConfigText } from '../core/config-file.js'
import { ConfigError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'

/** Read when neither --config nor SMSKANNEL_CONFIG names a file, if it exists. */
export const SYSTEM_CONFIG_PATH = '/etc/sms-kannel/sms-kannel.conf'
/** A config file or .env larger than this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024

export interface GatherOptions {
  configPath: string | undefined
  envFilePath: string | undefined
  env: Readonly<Record<string, string | undefined>>
  flags: SourceValues
  cwd: string
  /** Reads smskannel.passwordfile into smskannel.password: only commands that send need it, and the file is often the sender's alone (0600). */
  passwordFile: boolean
}

export interface GatheredSources {
  sources: ConfigSources
  warnings: string[]
  files: { config: string | undefined; dotenv: string | undefined }
}

/**
 * Reads every place settings can come from. A file named explicitly must exist; the
 * default ones are used only when present. A `passwordfile` is read into `password` at
 * the same precedence as the source that named it.
 */
export async function gatherConfigSources(options: GatherOptions): Promise<GatheredSources> {
  const warnings: string[] = []
  const explicitConfig = options.configPath ?? nonEmpty(options.env['SMSKANNEL_CONFIG'])
  const configPath = explicitConfig ? resolve(options.cwd, explicitConfig) : existingFile(SYSTEM_CONFIG_PATH)
  const envFilePath = options.envFilePath ? resolve(options.cwd, options.envFilePath) : existingFile(resolve(options.cwd, '.env'))

  const sources: ConfigSources = {}
  if (configPath) {
    const parsed = parseConfigText(readConfigFile(configPath, 'config file', warnings), configPath)
    warnings.push(...parsed.warnings, ...exposedSecretWarnings(configPath, 'config file', parsed.values))
    sources.file = parsed.values
  }
  if (envFilePath) {
    // dotenv.parse reads without printing and without touching process.env.
    const { parse } = await import('dotenv')
    const text = readConfigFile(envFilePath, '.env file', warnings)
    const parsed = configFromEnvironment(parse(text), envFilePath)
    warnings.push(...parsed.warnings, ...exposedSecretWarnings(envFilePath, '.env file', parsed.values), ...valuesCutAtHash(text, envFilePath))
    sources.dotenv = parsed.values
  }
  const fromEnv = configFromEnvironment(options.env, 'environment')
  warnings.push(...fromEnv.warnings)
  sources.env = fromEnv.values
  sources.flags = options.flags

  for (const level of PRECEDENCE) {
    const values = sources[level]
    if (values && options.passwordFile) readPasswordFile(values, options.cwd, warnings)
  }
  return { sources, warnings, files: { config: configPath, dotenv: envFilePath } }
}

/** A file that holds a secret (password, callback key, proxy password) must not be readable by everyone. */
function exposedSecretWarnings(path: string, what: string, values: SourceValues): string[] {
  const held = CONFIG_KEY_NAMES.filter((key) => values[key] && (CONFIG_KEYS[key].secret || (key === 'smskannel.proxy' && proxyPassword(values[key]!.value))))
  if (held.length === 0) return []
  try {
    const mode = statSync(path).mode & 0o777
    if (mode & 0o004) return [`The ${what} ${path} holds ${held.join(', ')} and is readable by everyone (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it.`]
  } catch {
    // Already read; a vanished file changes nothing now.
  }
  return []
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value : undefined
}

function existingFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? path : undefined
  } catch {
    return undefined
  }
}

/** The file's text; a warning joins `warnings` when it is not UTF-8. */
function readConfigFile(path: string, what: string, warnings: string[]): string {
  let size: number
  try {
    const stats = statSync(path)
    if (!stats.isFile()) throw new ConfigError(`The ${what} ${path} is not a file.`)
    size = stats.size
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`Cannot read the ${what} ${path}: ${describeFileError(errorCodeOf(error))}.`)
  }
  if (size > MAX_CONFIG_BYTES) throw new ConfigError(`The ${what} ${path} is larger than 1 MiB.`)
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (error) {
    throw new ConfigError(`Cannot read the ${what} ${path}: ${describeFileError(errorCodeOf(error))}.`)
  }
  const decoded = decodeConfigBytes(bytes, `${what} ${path}`)
  warnings.push(...decoded.warnings)
  return decoded.text
}

function readPasswordFile(values: SourceValues, cwd: string, warnings: string[]): void {
  const named = values['smskannel.passwordfile']
  if (!named) return
  if (values['smskannel.password']) {
    throw new ConfigError(`Both smskannel.password (${values['smskannel.password'].where}) and smskannel.passwordfile (${named.where}) are set; keep one.`)
  }
  const path = resolve(cwd, named.value.trim())
  const content = readConfigFile(path, 'password file', warnings)
  const password = content.split(/\r?\n/, 1)[0] ?? ''
  if (password === '') throw new ConfigError(`The password file ${path} (from ${named.where}) is empty.`)
  values['smskannel.password'] = { value: password, where: `password file ${path}` }
  try {
    if (statSync(path).mode & 0o004) warnings.push(`The password file ${path} is readable by everyone; chmod 600 it.`)
  } catch {
    // Already read above; a vanished file changes nothing now.
  }
}

/**
 * dotenv ends an unquoted value at its first `#`: `PASSWORD=Ab3#x` is `Ab3`, and the gateway's
 * refusal would not say why. A `#` right after a character is meant as part of the value.
 */
function valuesCutAtHash(text: string, path: string): string[] {
  const warnings: string[] = []
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*([^'"`\s#][^\r\n]*)$/.exec(line)
    if (match && /\S#/.test(match[2]!)) warnings.push(`${path}: ${match[1]} is cut at its "#", which starts a comment in a .env file; put the value in quotes: ${match[1]}="...".`)
  }
  return warnings
}
