import { ConfigError } from './errors.js'
import { formatDurationMs, parseDurationMs } from './duration.js'
import { REDACTED, truncateForMessage } from './redact.js'
import { hideCredentials } from './shown-value.js'
import { MAX_PATTERN_LENGTH } from './guarded-regexp.js'
import { gatewayBaseUrl } from './gateway-url.js'
import { parseDlrStatusMap } from './providers/dlr-status-map.js'
import { isPostgresUrl, shownStoreLocation, storeUrlPasswords } from './store-location.js'
import { hasControlCharacters } from './control-chars.js'
import { resolveDlrParamNames, type DlrParamNames } from './dlr.js'
import { isKnownTimeZone } from './report-time.js'

/** What VISULOX's own SMSviaKannel.tcl accepts when `regexp.sms` is not set. */
export const DEFAULT_NUMBER_PATTERN = '^[0-9 +.\\(\\)-]{6,}$'

/** Along the lines of the VISULOX example: PIN, valid until, sequence. */
export const DEFAULT_TEMPLATE = 'PIN: ${VLXPIN}\\nValid until: ${VLXPIN_EXPIRATIONTIME}\\nSeq: ${VLXPIN_SEQUENCE}'

export type ConfigKey =
  | 'regexp.sms'
  | 'smskannel.gwurl'
  | 'smskannel.postquery'
  | 'smskannel.user'
  | 'smskannel.password'
  | 'smskannel.passwordfile'
  | 'smskannel.sender'
  | 'smskannel.feedbackurl'
  | 'smskannel.timeout'
  | 'smskannel.method'
  | 'smskannel.dlrmask'
  | 'smskannel.maxparts'
  | 'smskannel.country'
  | 'smskannel.template'
  | 'smskannel.store'
  | 'smskannel.storegroupwrite'
  | 'smskannel.dlrparams'
  | 'smskannel.secret'
  | 'smskannel.listen'
  | 'smskannel.ca'
  | 'smskannel.insecure'
  | 'smskannel.proxy'
  | 'smskannel.retryunsafe'
  | 'smskannel.durability'
  | 'smskannel.journal'
  | 'smskannel.logtimezone'
  | 'sms.provider'
  | 'sms4de.user'
  | 'sms4de.password'
  | 'sms4de.kdnr'
  | 'sms4de.sender'
  | 'sms4de.tarif'
  | 'sms4de.method'
  | 'sms4de.url'
  | 'sms4de.checkurl'
  | 'sms4de.dlrurl'
  | 'sms4de.minbalance'
  | 'sms4de.timezone'
  | 'http.url'
  | 'http.method'
  | 'http.headers'
  | 'http.user'
  | 'http.password'
  | 'http.token'
  | 'http.sender'
  | 'http.params'
  | 'http.body'
  | 'http.charset'
  | 'http.unicode-values'
  | 'http.success-status'
  | 'http.success-pattern'
  | 'http.failure-pattern'
  | 'http.id-pattern'
  | 'http.retry-status'
  | 'http.check-url'
  | 'http.dlr-status'

function durationFlagProblem(value: string): string | undefined {
  return parseDurationMs(value) === undefined ? 'expected a duration such as 500ms, 10s or 10 (seconds).' : undefined
}

interface KeySpec {
  defaultValue?: string
  secret?: true
  /** The flag that sets it; secrets have none on purpose (argv is public). */
  flag?: string
  /** The flag's value as --help shows it; a flag without one is a switch that sets true. */
  flagValue?: string
  /** The only values the flag takes (commander refuses others with exit 64). */
  choices?: readonly string[]
  /** Why a flag value is refused before anything runs (exit 64), where only its form matters. */
  flagProblem?: (value: string) => string | undefined
  /** Given more than once, the flag's values are joined with commas. */
  repeatable?: true
  describe: string
  /** Keys that only one provider reads; `config` shows them only for that provider. */
  provider?: ProviderName
}

/** Who sends the SMS; each provider's request and reply live in src/core/providers/. */
export const PROVIDER_NAMES = ['kannel', 'sms4de', 'http'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

export const CONFIG_KEYS: Readonly<Record<ConfigKey, KeySpec>> = {
  'regexp.sms': { defaultValue: DEFAULT_NUMBER_PATTERN, describe: 'pattern the raw number must match' },
  'smskannel.gwurl': { provider: 'kannel', flag: '--gwurl', flagValue: '<url>', describe: 'Kannel smsbox base URL(s), tried in order: http://kannel1:13013 http://kannel2:13013' },
  'smskannel.postquery': { provider: 'kannel', defaultValue: '/cgi-bin/sendsms', flag: '--postquery', flagValue: '<path>', describe: 'sendsms path' },
  'smskannel.user': { provider: 'kannel', flag: '--user', flagValue: '<name>', describe: 'sendsms-user username' },
  'smskannel.password': { provider: 'kannel', secret: true, describe: 'sendsms-user password (env, .env or config file only)' },
  'smskannel.passwordfile': { flag: '--password-file', flagValue: '<file>', describe: 'file whose first line is the password' },
  'smskannel.sender': { provider: 'kannel', flag: '--sender', flagValue: '<from>', describe: 'sender (from); empty: Kannel\'s global-sender' },
  'smskannel.feedbackurl': { flag: '--feedbackurl', flagValue: '<url>', describe: 'where Kannel reports delivery (dlr-url base)' },
  'smskannel.timeout': { defaultValue: '10s', flag: '--timeout', flagValue: '<duration>', flagProblem: durationFlagProblem, describe: 'whole-send timeout: 500ms, 10s, 10' },
  'smskannel.method': { provider: 'kannel', defaultValue: 'post', flag: '--method', flagValue: '<method>', choices: ['post', 'get'], describe: 'post (X-Kannel headers) or get (query)' },
  'smskannel.dlrmask': { provider: 'kannel', defaultValue: '31', flag: '--dlr-mask', flagValue: '<mask>', describe: 'Kannel dlr-mask: 1 delivered, 2 failed, 4 buffered, 8 SMSC ack, 16 SMSC nack' },
  'smskannel.maxparts': { defaultValue: '1', flag: '--max-parts', flagValue: '<n>', describe: 'longest text allowed, in SMS parts (<= max-messages)' },
  'smskannel.country': { flag: '--country', flagValue: '<code>', describe: 'default country for national numbers (ISO code, e.g. DE)' },
  'smskannel.template': { defaultValue: DEFAULT_TEMPLATE, flag: '--template', flagValue: '<text>', describe: 'text when VLXPIN_TEXT is empty; ${VLX...} placeholders, \\n newline' },
  'smskannel.store': { flag: '--store', flagValue: '<file>', describe: 'event store: an SQLite file, or a postgres:// URL shared by a cluster' },
  'smskannel.storegroupwrite': { defaultValue: 'false', describe: 'true: the SQLite store and its spool are created group read/write (0660), for the wrapper\'s account in the store\'s group' },
  'smskannel.dlrparams': { flag: '--param', flagValue: '<name=queryname>', repeatable: true, describe: 'DLR query parameter names other than send\'s, e.g. dlr=d,reply=A' },
  'smskannel.secret': { secret: true, describe: 'key for the callback token serve checks (env, .env or config file only)' },
  'smskannel.listen': { flag: '--listen', flagValue: '<host:port>', describe: 'serve: HOST:PORT (default 127.0.0.1 and the explicit port of smskannel.feedbackurl)' },
  'smskannel.ca': { flag: '--ca', flagValue: '<file>', describe: 'PEM file of the CA that signed an https gateway\'s certificate' },
  'smskannel.insecure': { defaultValue: 'false', flag: '--insecure', describe: 'https without certificate verification (warns every time)' },
  'smskannel.proxy': { flag: '--proxy', flagValue: '<url>', describe: 'HTTP proxy for the gateway (default: HTTPS_PROXY / HTTP_PROXY, NO_PROXY)' },
  'smskannel.retryunsafe': { defaultValue: 'false', flag: '--retry-unsafe', describe: 'also retry after the request may have reached Kannel (risks a second PIN)' },
  'smskannel.durability': { defaultValue: 'full', flag: '--durability', flagValue: '<level>', choices: ['full', 'normal'], describe: 'serve: full (an acknowledged callback survives a power cut: journal fsync before each 200) or normal (survives a crash)' },
  'smskannel.journal': { flag: '--journal', flagValue: '<path>', describe: 'serve: path of its journal (PATH.00000001…, PATH.lock) on a local disk; default <store>.journal beside an SQLite store, $STATE_DIRECTORY/serve-HOST-PORT-DATABASE.journal for PostgreSQL' },
  'smskannel.logtimezone': { describe: 'zone of the times in bearerbox\'s access log (Kannel\'s host writes its local time); default this host\'s (TZ)' },
  'sms.provider': { defaultValue: 'kannel', flag: '--provider', flagValue: '<name>', choices: PROVIDER_NAMES, describe: 'who sends: kannel, sms4de, or http (any HTTP gateway, by configuration)' },
  'sms4de.user': { provider: 'sms4de', describe: 'SMS4.de user (not the login user)' },
  'sms4de.password': { provider: 'sms4de', secret: true, describe: 'SMS4.de password (env, .env or config file only)' },
  'sms4de.kdnr': { provider: 'sms4de', describe: 'SMS4.de customer number (KDNR)' },
  'sms4de.sender': { provider: 'sms4de', describe: 'sender (absender): 6-11 letters and digits, or 6-14 digits' },
  'sms4de.tarif': { provider: 'sms4de', describe: 'SMS4.de tariff: 1 or 7 (empty: SMS4.de\'s default, 1)' },
  'sms4de.method': { provider: 'sms4de', defaultValue: 'post', describe: 'post (password in the body) or get (in the URL)' },
  'sms4de.url': { provider: 'sms4de', defaultValue: 'https://www.sms4.de/cgi-bin/sms_out.pl', describe: 'SMS4.de send URL' },
  'sms4de.checkurl': { provider: 'sms4de', defaultValue: 'https://www.sms4.de/cgi-bin/sms_check.pl', describe: 'SMS4.de balance query URL (config --check)' },
  'sms4de.dlrurl': { provider: 'sms4de', defaultValue: 'https://www.sms4.de/restapi/v1/dlr', describe: 'SMS4.de delivery report REST API (feedback --poll)' },
  'sms4de.minbalance': { provider: 'sms4de', defaultValue: '5', describe: 'config --check warns below this balance (Euro)' },
  'sms4de.timezone': { provider: 'sms4de', defaultValue: 'Europe/Berlin', describe: 'time zone of the dateTime in SMS4.de\'s delivery reports (IANA name, e.g. Europe/Berlin or UTC)' },
  'http.url': { provider: 'http', describe: 'the gateway\'s send URL(s), comma-separated, tried in order' },
  'http.method': { provider: 'http', defaultValue: 'post-form', describe: 'get, post-form or post-json' },
  'http.headers': { provider: 'http', describe: 'extra headers: Name: value; Name: value (templates allowed)' },
  'http.user': { provider: 'http', describe: 'user name, as {user} in templates' },
  'http.password': { provider: 'http', secret: true, describe: 'password, as {password} (env, .env or config file only)' },
  'http.token': { provider: 'http', secret: true, describe: 'API token, as {token} (env, .env or config file only)' },
  'http.sender': { provider: 'http', describe: 'sender, as {sender}' },
  'http.params': { provider: 'http', describe: 'the request\'s fields: name={template}&name={template}' },
  'http.body': { provider: 'http', describe: 'post-json: a JSON template instead of the flat object of http.params' },
  'http.charset': { provider: 'http', defaultValue: 'utf-8', describe: 'text encoding: utf-8, iso-8859-1 or iso-8859-15' },
  'http.unicode-values': { provider: 'http', defaultValue: '0,1', describe: '{unicode} for a GSM 7-bit text and for a UCS-2 one, e.g. text,unicode for Vonage\'s type' },
  'http.success-status': { provider: 'http', defaultValue: '2xx', describe: 'HTTP statuses that mean sent: 2xx, or a list such as 200,202' },
  'http.success-pattern': { provider: 'http', describe: 'regular expression the body must match to count as sent' },
  'http.failure-pattern': { provider: 'http', describe: 'regular expression that marks a body as refused' },
  'http.id-pattern': { provider: 'http', describe: 'regular expression whose first group is the gateway\'s message id' },
  'http.retry-status': { provider: 'http', defaultValue: '429, 503', describe: 'HTTP statuses that prove nothing was sent (retried safely)' },
  'http.check-url': { provider: 'http', describe: 'config --check fetches this (GET, with http.headers; its query may use {user}, {password}, {token}) to prove reachability' },
  'http.dlr-status': { provider: 'http', describe: 'serve, feedback: the gateway\'s status values (any case) and their meaning, e.g. DELIVRD=delivered,UNDELIV=undelivered,UNKNOWN=unknown' },
}

export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[]

export function isConfigKey(name: string): name is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, name)
}

/** `smskannel.gwurl` is `SMSKANNEL_GWURL` in the environment and in `.env`. */
export function envNameForKey(key: ConfigKey): string {
  // HTTP_* would meet HTTP_PROXY and friends: the generic provider's keys are SMSHTTP_*.
  if (key.startsWith('http.')) return `SMSHTTP_${key.slice('http.'.length).toUpperCase().replace(/[.-]/g, '_')}`
  return key.toUpperCase().replaceAll('.', '_')
}

/** One value with where it came from, for `sms-kannel config` and for error messages. */
export interface SourcedValue {
  value: string
  where: string
}

export type SourceValues = Partial<Record<ConfigKey, SourcedValue>>

/** Where settings come from, lowest precedence first: a later source wins, and defaults lie below them all. */
export const PRECEDENCE = ['file', 'dotenv', 'env', 'flags'] as const

/** The places settings come from, each already read by the shell. */
export type ConfigSources = { [level in (typeof PRECEDENCE)[number]]?: SourceValues }

export type SendMethod = 'get' | 'post'

/**
 * Every setting, typed. Each is validated when first read (or up front, see resolveConfig),
 * so a command never fails on a key it does not use.
 */
export interface Config {
  provider: ProviderName
  numberPattern: RegExp
  /** Base URLs with any path prefix, no trailing slash; tried in order. */
  gatewayUrls: string[]
  sendPath: string
  username: string
  password: string
  sender: string | undefined
  feedbackUrl: URL | undefined
  /** Path of smskannel.feedbackurl: access-log requests for other paths are skipped. */
  feedbackPath: string | undefined
  timeoutMs: number
  method: SendMethod
  dlrMask: number
  maxParts: number
  defaultCountry: string | undefined
  template: string
  storePath: string | undefined
  /** Mode of the SQLite store and its spool when a command creates them: 0600, or 0660 with smskannel.storegroupwrite. */
  storeFileMode: number
  secret: string | undefined
  caPath: string | undefined
  insecure: boolean
  proxy: string | undefined
  retryUnsafe: boolean
  /** smskannel.dlrparams (--param) over the names send writes into the dlr-url. */
  dlrParamNames: DlrParamNames
  /**
   * serve's address: smskannel.listen, else loopback and the feedback URL's explicit port;
   * undefined when that URL names no port (it points at a web server on 80/443, not at serve).
   */
  listen: { host: string; port: number } | undefined
  /** serve's commit: full fsyncs each group's journal lines (power-cut safe); normal survives a killed process. */
  durability: 'full' | 'normal'
  /** serve's journal (a path prefix) when smskannel.journal sets it; else serve's default. */
  journalPath: string | undefined
  /** http.dlr-status: another gateway's status values, as DLR types. */
  dlrStatusMap: ReadonlyMap<string, number> | undefined
  /** smskannel.logtimezone: the zone bearerbox's access-log times are read in; undefined: the caller's host zone. */
  logTimeZone: string | undefined
}

export type Setting = keyof Config

export interface ResolvedConfig {
  config: Config
  /** Every key's effective value and origin; secrets already redacted. */
  effective: Array<{ key: ConfigKey; value: string | undefined; where: string }>
  /** The merged values, secrets included, for the provider's own keys (src/core/providers/). */
  values: SourceValues
}

/** The store holds every number and report: its owner's alone, unless the install shares it with a group. */
const PRIVATE_STORE_FILE_MODE = 0o600
const GROUP_STORE_FILE_MODE = 0o660

/** Kannel's dlr-mask is a bit set of the five DLR types (docs/kannel.md §7). */
const MAX_DLR_MASK = 31
/** Kannel's sendsms-user max-messages is per user; more than 10 parts is never a PIN. */
const MAX_PARTS_LIMIT = 10
/** Failover is for a second box or two, not a list to scan within one timeout. */
const MAX_GATEWAYS = 8
const MIN_TIMEOUT_MS = 100
const MAX_TIMEOUT_MS = 600_000

/** What send, config and feedback --poll check before anything happens, in this order. */
export const SEND_SETTINGS: readonly Setting[] = ['numberPattern', 'provider', 'gatewayUrls', 'feedbackUrl', 'timeoutMs', 'maxParts', 'defaultCountry', 'template', 'storePath', 'storeFileMode', 'secret', 'caPath', 'insecure', 'proxy', 'retryUnsafe']

/**
 * Merges the sources by PRECEDENCE over the defaults. The settings a command names in
 * `upFront` are validated now, in that order, so it fails before doing anything; the rest
 * when first read. Throws ConfigError naming the key, its origin and where to set it.
 */
export function resolveConfig(sources: ConfigSources, upFront: readonly Setting[] = SEND_SETTINGS): ResolvedConfig {
  const merged = mergeConfigSources(sources)
  const config = settingsFrom(merged)
  for (const setting of upFront) void config[setting]
  return { config, effective: describeEffective(merged), values: merged }
}

function mergeConfigSources(sources: ConfigSources): SourceValues {
  const merged: SourceValues = {}
  for (const key of CONFIG_KEY_NAMES) {
    const defaultValue = CONFIG_KEYS[key].defaultValue
    if (defaultValue !== undefined) merged[key] = { value: defaultValue, where: 'default' }
  }
  for (const level of PRECEDENCE) {
    for (const [key, sourced] of Object.entries(sources[level] ?? {}) as Array<[ConfigKey, SourcedValue]>) {
      // An empty value (SMSKANNEL_SENDER=) means "not set here", not "set to nothing".
      if (sourced.value.trim() === '') continue
      const below = merged[key]
      // A list (smskannel.dlrparams) adds to what lower levels set; its later entries win.
      merged[key] = CONFIG_KEYS[key].repeatable && below && below.where !== 'default' ? { value: `${below.value},${sourced.value}`, where: `${below.where} and ${sourced.where}` } : sourced
    }
  }
  return merged
}

/** One validation per key: each setting is parsed from its key(s) by one function, once. */
function settingsFrom(values: SourceValues): Config {
  const provider = once(() => parseProvider(values))
  const kannel = once(() => (provider() === 'kannel' ? validateKannelKeys(values) : KANNEL_NOT_USED))
  const feedbackUrl = once(() => parseFeedbackUrl(values['smskannel.feedbackurl']))
  return lazyRecord<Config>({
    provider,
    numberPattern: () => parseNumberPattern(required(values, 'regexp.sms')),
    gatewayUrls: () => kannel().gatewayUrls,
    sendPath: () => kannel().sendPath,
    username: () => kannel().username,
    password: () => kannel().password,
    sender: () => kannel().sender,
    method: () => kannel().method,
    dlrMask: () => kannel().dlrMask,
    feedbackUrl,
    feedbackPath: () => feedbackUrl()?.pathname,
    timeoutMs: () => parseTimeout(required(values, 'smskannel.timeout')),
    maxParts: () => parseIntegerIn('smskannel.maxparts', required(values, 'smskannel.maxparts'), 1, MAX_PARTS_LIMIT),
    defaultCountry: () => parseCountry(values['smskannel.country']),
    template: () => required(values, 'smskannel.template').value,
    storePath: () => parseStoreLocation(values['smskannel.store']),
    storeFileMode: () => (parseBoolean('smskannel.storegroupwrite', required(values, 'smskannel.storegroupwrite')) ? GROUP_STORE_FILE_MODE : PRIVATE_STORE_FILE_MODE),
    secret: () => validSecret(values['smskannel.secret']),
    caPath: () => values['smskannel.ca']?.value.trim(),
    insecure: () => parseBoolean('smskannel.insecure', required(values, 'smskannel.insecure')),
    proxy: () => parseProxy(values['smskannel.proxy']),
    retryUnsafe: () => parseBoolean('smskannel.retryunsafe', required(values, 'smskannel.retryunsafe')),
    dlrParamNames: () => parseDlrParams(values['smskannel.dlrparams']),
    listen: () => parseListen(values['smskannel.listen'], feedbackUrl()),
    durability: () => parseDurability(required(values, 'smskannel.durability')),
    journalPath: () => values['smskannel.journal']?.value.trim(),
    dlrStatusMap: () => parseStatusMapKey(values['http.dlr-status']),
    logTimeZone: () => parseTimeZoneKey('smskannel.logtimezone', values['smskannel.logtimezone']),
  })
}

function once<T>(compute: () => T): () => T {
  let done = false
  let value: T
  return () => {
    if (!done) {
      value = compute()
      done = true
    }
    return value
  }
}

/** An object whose properties are computed on first read (one that throws, again at the next); writing one sets it. */
function lazyRecord<T extends object>(getters: { [K in keyof T]: () => T[K] }): T {
  const record = {} as T
  for (const name of Object.keys(getters) as Array<keyof T>) {
    const set = (value: unknown) => Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true })
    Object.defineProperty(record, name, { enumerable: true, configurable: true, get: once(getters[name]), set })
  }
  return record
}

/** Every key's value and origin for `sms-kannel config`, the password redacted. */
function describeEffective(merged: SourceValues): ResolvedConfig['effective'] {
  const provider = merged['sms.provider'] && normaliseProviderName(merged['sms.provider'].value)
  const shownKeys = CONFIG_KEY_NAMES.filter((key) => key !== 'smskannel.passwordfile' && (CONFIG_KEYS[key].provider === undefined || CONFIG_KEYS[key].provider === provider))
  return shownKeys.map((key) => {
    const sourced = merged[key]
    const shown = sourced && CONFIG_KEYS[key].secret ? REDACTED
      : sourced && key === 'smskannel.store' ? shownStoreLocation(sourced.value)
      : sourced && hideCredentials(sourced.value)
    return { key, value: shown, where: sourced?.where ?? 'not set' }
  })
}

/** The passwords of the store URL, for the output filter, before anything is validated. */
export function storeSecretsIn(sources: ConfigSources): string[] {
  return storeUrlPasswords(mergeConfigSources(sources)['smskannel.store']?.value.trim())
}

/** A short secret is guessable offline from one token; ask for 16 characters at least. */
const MIN_SECRET_LENGTH = 16

function validSecret(sourced: SourcedValue | undefined): string | undefined {
  if (!sourced) return undefined
  if (sourced.value.length < MIN_SECRET_LENGTH || hasControlCharacters(sourced.value)) {
    throw invalid('smskannel.secret', sourced, `must be at least ${MIN_SECRET_LENGTH} printable characters, e.g. from: openssl rand -hex 16`)
  }
  return sourced.value
}

/** A key naming a time zone (IANA name such as Europe/Berlin, or UTC); undefined when unset. */
export function parseTimeZoneKey(key: ConfigKey, sourced: SourcedValue | undefined): string | undefined {
  if (!sourced) return undefined
  const timeZone = sourced.value.trim()
  if (timeZone === '' || !isKnownTimeZone(timeZone)) throw invalid(key, sourced, 'must be a time zone name such as Europe/Berlin or UTC.')
  return timeZone
}

function parseStatusMapKey(sourced: SourcedValue | undefined): ReadonlyMap<string, number> | undefined {
  if (!sourced) return undefined
  const map = parseDlrStatusMap(sourced.value)
  if ('error' in map) throw invalid('http.dlr-status', sourced, `is not usable: ${map.error}.`)
  return map
}

function parseDlrParams(sourced: SourcedValue | undefined): DlrParamNames {
  const names = resolveDlrParamNames(sourced ? [sourced.value] : [])
  if ('error' in names) throw invalid('smskannel.dlrparams', sourced!, `is not usable: ${names.error}.`)
  return names
}

function whereToSet(key: ConfigKey): string {
  const flag = CONFIG_KEYS[key].flag
  const ways = [`${key} in the config file`, `${envNameForKey(key)} in the environment or .env`]
  if (flag) ways.push(flag)
  return `Set ${ways.join(', ')}.`
}

export function required(values: SourceValues, key: ConfigKey): SourcedValue {
  const sourced = values[key]
  if (!sourced) {
    const extra = key === 'smskannel.password' ? ' (or smskannel.passwordfile / --password-file)' : ''
    throw new ConfigError(`${key} is not set.`, whereToSet(key) + extra, { setting: { key, reason: 'is not set.' } })
  }
  return sourced
}

export function invalid(key: ConfigKey, sourced: SourcedValue, why: string): ConfigError {
  const shown = CONFIG_KEYS[key].secret ? '' : ` "${truncateForMessage(hideCredentials(sourced.value))}"`
  return new ConfigError(`${key}${shown} (from ${sourced.where}) ${why}`, whereToSet(key), { setting: { key, reason: why } })
}

function parseNumberPattern(sourced: SourcedValue): RegExp {
  if (sourced.value.length > MAX_PATTERN_LENGTH) throw invalid('regexp.sms', { ...sourced, value: sourced.value.slice(0, 40) }, `is longer than ${MAX_PATTERN_LENGTH} characters.`)
  try {
    return new RegExp(sourced.value)
  } catch {
    throw invalid('regexp.sms', sourced, 'is not a valid regular expression.')
  }
}

function parseFeedbackUrl(sourced: SourcedValue | undefined): URL | undefined {
  if (!sourced) return undefined
  const url = parseHttpUrl('smskannel.feedbackurl', sourced)
  // Kannel would send a #fragment in the request line (docs/kannel.md §7).
  if (url.hash) throw invalid('smskannel.feedbackurl', sourced, 'must not have a #fragment.')
  return url
}

function parseCountry(sourced: SourcedValue | undefined): string | undefined {
  const country = sourced?.value.trim().toUpperCase()
  if (sourced && !/^[A-Z]{2}$/.test(country ?? '')) throw invalid('smskannel.country', sourced, 'must be a two-letter country code such as DE or CH.')
  return country
}

type KannelSettings = Pick<Config, 'gatewayUrls' | 'sendPath' | 'username' | 'password' | 'sender' | 'method' | 'dlrMask'>

/** What a site on another provider has instead of Kannel's settings: nothing to send through Kannel. */
const KANNEL_NOT_USED: KannelSettings = { gatewayUrls: [], sendPath: '', username: '', password: '', sender: undefined, method: 'post', dlrMask: 0 }

/** VISULOX's own table may spell it as the company does: SMS4.de. */
function normaliseProviderName(value: string): string {
  return value.trim().toLowerCase().replace(/^sms4\.de$/, 'sms4de')
}

function parseProvider(values: SourceValues): ProviderName {
  const sourced = required(values, 'sms.provider')
  const name = normaliseProviderName(sourced.value)
  if (!(PROVIDER_NAMES as readonly string[]).includes(name)) throw invalid('sms.provider', sourced, `must be ${PROVIDER_NAMES.join(' or ')}.`)
  return name as ProviderName
}

/** The smskannel.* keys only a Kannel send reads, each checked, the first bad one thrown with the others. */
function validateKannelKeys(values: SourceValues): KannelSettings {
  const keys = checkEach()
  const sendPath = keys.check(() => {
    const pathValue = required(values, 'smskannel.postquery')
    if (hasControlCharacters(pathValue.value)) throw invalid('smskannel.postquery', pathValue, 'contains control characters.')
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(pathValue.value)) {
      throw invalid('smskannel.postquery', pathValue, 'must be a path starting with /, such as /cgi-bin/sendsms.')
    }
    return pathValue.value
  })

  const gatewayUrls = keys.check(() => {
    const gatewayValue = required(values, 'smskannel.gwurl')
    const gatewayUrls = gatewayValue.value.split(/[\s,]+/).filter((part) => part !== '').map((part) => {
      const base = gatewayBaseUrl(parseHttpUrl('smskannel.gwurl', { value: part, where: gatewayValue.where }), sendPath ?? required(values, 'smskannel.postquery').value)
      if (typeof base === 'string') return base
      // Not invalid(): the query it would quote may carry a password.
      throw new ConfigError(`smskannel.gwurl (from ${gatewayValue.where}) ${base.problem}.`, `Write ${base.writeInstead} instead; set the credentials in smskannel.user and smskannel.password.`, { setting: { key: 'smskannel.gwurl', reason: `${base.problem}.` } })
    })
    if (gatewayUrls.length > MAX_GATEWAYS) throw invalid('smskannel.gwurl', gatewayValue, `lists more than ${MAX_GATEWAYS} gateways.`)
    return gatewayUrls
  })

  const username = keys.check(() => {
    const username = required(values, 'smskannel.user')
    if (hasControlCharacters(username.value)) throw invalid('smskannel.user', username, 'contains control characters.')
    return username.value
  })
  const password = keys.check(() => {
    const password = required(values, 'smskannel.password')
    if (hasControlCharacters(password.value)) throw invalid('smskannel.password', password, 'contains control characters (a stray newline?).')
    return password.value
  })

  const senderValue = values['smskannel.sender']
  // Kannel sends any sender as given (docs/kannel.md §3); what an SMSC may cut is a warning (senderWarnings).
  keys.check(() => {
    if (senderValue && hasControlCharacters(senderValue.value)) throw invalid('smskannel.sender', senderValue, 'contains control characters.')
  })

  const method = keys.check(() => {
    const methodValue = required(values, 'smskannel.method')
    const method = methodValue.value.trim().toLowerCase()
    if (method !== 'get' && method !== 'post') throw invalid('smskannel.method', methodValue, 'must be post or get.')
    return method
  })

  const dlrMask = keys.check(() => parseIntegerIn('smskannel.dlrmask', required(values, 'smskannel.dlrmask'), 0, MAX_DLR_MASK))
  keys.done()
  return { gatewayUrls: gatewayUrls!, sendPath: sendPath!, username: username!, password: password!, sender: senderValue?.value, method: method!, dlrMask: dlrMask! }
}

/**
 * Checks a block of keys one by one and throws the first ConfigError with the others
 * attached: send stops at the first as before, `config` names them all.
 */
export function checkEach(): { check<T>(parse: () => T): T | undefined; done(): void; errors(): ConfigError[] } {
  const errors: ConfigError[] = []
  return {
    /** Every problem found, each once (a block read twice repeats its own). */
    errors: () => errors.flatMap((error) => [error, ...error.others]).filter((error, index, all) => all.findIndex((other) => other.message === error.message) === index),
    check(parse) {
      try {
        return parse()
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error
        errors.push(error)
        return undefined
      }
    },
    done() {
      const [first, ...rest] = errors
      if (first) throw new ConfigError(first.message, first.hint, { setting: first.setting, others: [...first.others, ...rest] })
    },
  }
}

/** An SQLite file, or a PostgreSQL URL whose password is not on the command line (ps shows it). */
function parseStoreLocation(sourced: SourcedValue | undefined): string | undefined {
  const value = sourced?.value.trim()
  if (!sourced || !value || !isPostgresUrl(value)) return value
  const shown = { ...sourced, value: shownStoreLocation(value) }
  if (!URL.canParse(value)) throw invalid('smskannel.store', shown, 'is not a valid PostgreSQL URL; expected postgres://USER@HOST:PORT/DATABASE.')
  refusePasswordInFlag('smskannel.store', shown, storeUrlPasswords(value).length > 0, 'use PGPASSWORD, ~/.pgpass or the config file')
  return value
}

/** The proxy URL; a user:password@ in it only from a file or the environment. */
function parseProxy(sourced: SourcedValue | undefined): string | undefined {
  if (!sourced) return undefined
  const url = parseHttpUrl('smskannel.proxy', sourced, { credentialsAllowed: true })
  refusePasswordInFlag('smskannel.proxy', sourced, url.password !== '', 'set smskannel.proxy in the config file or HTTPS_PROXY in the environment')
  return url.href
}

/** Every user of the host can read a process's arguments (ps): a password never comes from a flag. */
function refusePasswordInFlag(key: ConfigKey, shown: SourcedValue, hasPassword: boolean, instead: string): void {
  if (hasPassword && shown.where.startsWith('flag')) throw invalid(key, shown, `must not carry a password on the command line, where every user sees it (ps): ${instead}.`)
}

function parseTimeout(sourced: SourcedValue): number {
  const timeoutMs = parseDurationMs(sourced.value)
  if (timeoutMs === undefined || timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalid('smskannel.timeout', sourced, `must be a duration from ${formatDurationMs(MIN_TIMEOUT_MS)} to ${formatDurationMs(MAX_TIMEOUT_MS)}, such as 500ms, 10s or 10.`)
  }
  return timeoutMs
}

function parseDurability(sourced: SourcedValue): 'full' | 'normal' {
  const value = sourced.value.trim().toLowerCase()
  if (value !== 'full' && value !== 'normal') throw invalid('smskannel.durability', sourced, 'must be full or normal.')
  return value
}

export function parseBoolean(key: ConfigKey, sourced: SourcedValue): boolean {
  const value = sourced.value.trim().toLowerCase()
  if (['true', 'yes', 'on', '1'].includes(value)) return true
  if (['false', 'no', 'off', '0'].includes(value)) return false
  throw invalid(key, sourced, 'must be true or false.')
}

/** The VISULOX webservice listens on loopback; so does serve unless told otherwise. */
const DEFAULT_LISTEN_HOST = '127.0.0.1'
const DEFAULT_LISTEN_PORT = 8080

function parseListen(sourced: SourcedValue | undefined, feedbackUrl: URL | undefined): { host: string; port: number } | undefined {
  if (!sourced) {
    if (feedbackUrl && feedbackUrl.port === '') return undefined
    return { host: DEFAULT_LISTEN_HOST, port: feedbackUrl ? Number(feedbackUrl.port) : DEFAULT_LISTEN_PORT }
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+))?:(\d{1,5})$|^(\d{1,5})$/.exec(sourced.value.trim())
  const port = Number(match?.[3] ?? match?.[4])
  if (!match || !(port >= 0 && port <= 65535)) throw invalid('smskannel.listen', sourced, 'must be HOST:PORT, [IPv6]:PORT or PORT, such as 127.0.0.1:8080.')
  return { host: match[1] ?? match[2] ?? DEFAULT_LISTEN_HOST, port }
}

export function parseHttpUrl(key: ConfigKey, sourced: SourcedValue, options: { credentialsAllowed?: boolean } = {}): URL {
  let url: URL
  try {
    url = new URL(sourced.value.trim())
  } catch {
    throw invalid(key, sourced, 'is not a URL; expected http://host:port.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(key, sourced, 'must start with http:// or https://.')
  // Credentials in the URL would be printed wherever the URL is; Kannel does not use them.
  if (!options.credentialsAllowed && (url.username || url.password)) throw invalid(key, sourced, 'must not contain user:password@.')
  return url
}

function parseIntegerIn(key: ConfigKey, sourced: SourcedValue, min: number, max: number): number {
  const value = sourced.value.trim()
  const number = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN
  if (!(number >= min && number <= max)) throw invalid(key, sourced, `must be a whole number from ${min} to ${max}.`)
  return number
}
