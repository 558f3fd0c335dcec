import { checkEach, invalid, parseHttpUrl, required, type ConfigKey, type SourcedValue, type SourceValues } from '../config.js'
import { hasControlCharacters } from '../control-chars.js'
import { MAX_PATTERN_LENGTH } from '../guarded-regexp.js'
import type { SmsEncoding } from '../sms-text.js'
import { CHARSETS, type Charset } from './charset.js'
import { headerNames, paramNames, parseHeaders, parseJsonTemplate, parseParams, templateNames, type JsonTemplate, type TemplatedField } from './http-template.js'

export type HttpMethod = 'get' | 'post-form' | 'post-json'

/** The http.* keys, checked and parsed once: templates split, patterns compiled. */
export interface HttpSettings {
  urls: string[]
  method: HttpMethod
  headers: TemplatedField[]
  user: string | undefined
  password: string | undefined
  token: string | undefined
  sender: string | undefined
  params: TemplatedField[]
  body: JsonTemplate | undefined
  charset: Charset
  /** What {unicode} is filled with, by the encoding the text was counted in. */
  unicodeValues: Readonly<Record<SmsEncoding, string>>
  /** Empty: any 2xx. */
  successStatuses: number[]
  successPattern: RegExp | undefined
  failurePattern: RegExp | undefined
  idPattern: RegExp | undefined
  retryStatuses: number[]
  /** http.check-url: the address, and its query's fields as templates ({user}, {password}, {token}). */
  check: { url: string; params: TemplatedField[] } | undefined
}

/** As for smskannel.gwurl: failover to a second gateway or two, not a list to scan. */
const MAX_URLS = 8

/** Reads and checks the http.* keys; throws ConfigError naming the first bad key, the others attached. */
export function resolveHttpSettings(values: SourceValues): HttpSettings {
  const keys = checkEach()
  const urls = keys.check(() => {
    const urlValue = required(values, 'http.url')
    const urls = urlValue.value.split(/[\s,]+/).filter((part) => part !== '').map((part) => {
      const url = parseHttpUrl('http.url', { value: part, where: urlValue.where })
      if (url.hash) throw invalid('http.url', urlValue, 'must not have a #fragment.')
      return url.href
    })
    if (urls.length > MAX_URLS) throw invalid('http.url', urlValue, `lists more than ${MAX_URLS} URLs.`)
    return urls
  })

  const methodValue = values['http.method']
  const method = keys.check(() => {
    const method = required(values, 'http.method').value.trim().toLowerCase()
    if (method !== 'get' && method !== 'post-form' && method !== 'post-json') throw invalid('http.method', methodValue!, 'must be get, post-form or post-json.')
    return method
  })

  // Quoted by their names only in errors: a value may be a literal API key (paramSecrets).
  const paramsValue = values['http.params']
  const paramsShown = paramsValue && { ...paramsValue, value: namesOnly('http.params', paramsValue.value) }
  const params = keys.check(() => (paramsValue ? parsed('http.params', paramsShown!, parseParams(paramsValue.value)) : []))
  // Not quoted in errors: it may hold a literal API key (bodySecrets).
  const bodyValue = values['http.body'] && { ...values['http.body'], value: namesOnly('http.body', values['http.body'].value) }
  const body = keys.check(() => (bodyValue ? parsed('http.body', bodyValue, parseJsonTemplate(values['http.body']!.value)).template : undefined))
  // What the fields must hold is judged only on fields and a method that parsed.
  const fieldsParsed = params !== undefined && (bodyValue === undefined || body !== undefined)
  keys.check(() => {
    if (body !== undefined && method !== undefined && method !== 'post-json') throw invalid('http.body', bodyValue!, 'is for http.method = post-json; get and post-form send http.params.')
  })
  keys.check(() => {
    if (fieldsParsed && method !== undefined && params.length === 0 && body === undefined) throw invalid('http.method', methodValue!, 'needs http.params (or, for post-json, http.body): the fields of the request.')
  })
  keys.check(() => {
    if (fieldsParsed && params.length > 0 && body === undefined && !params.some((field) => templateNames(field.value).includes('text'))) throw invalid('http.params', paramsShown!, 'never uses {text}: the SMS would go out without the PIN.')
  })

  const headersValue = values['http.headers']
  // Shown by their names only: the values may be credentials (headerSecrets).
  const headers = keys.check(() => (headersValue ? parsed('http.headers', { ...headersValue, value: namesOnly('http.headers', headersValue.value) }, parseHeaders(headersValue.value)) : []))

  const secret = (key: ConfigKey) =>
    keys.check(() => {
      const sourced = values[key]
      if (sourced && hasControlCharacters(sourced.value)) throw invalid(key, sourced, 'contains control characters (a stray newline?).')
      return sourced?.value
    })
  const charset = keys.check(() => {
    const charsetValue = required(values, 'http.charset')
    const charset = charsetValue.value.trim().toLowerCase().replace(/^utf8$/, 'utf-8').replace(/^latin-?1$/, 'iso-8859-1').replace(/^latin-?9$/, 'iso-8859-15')
    if (!(CHARSETS as readonly string[]).includes(charset)) throw invalid('http.charset', charsetValue, `must be ${CHARSETS.join(', ')}.`)
    return charset as Charset
  })

  const checkValue = values['http.check-url']
  const settings = {
    urls,
    method,
    headers,
    user: secret('http.user'),
    password: secret('http.password'),
    token: secret('http.token'),
    sender: secret('http.sender'),
    params,
    body,
    charset,
    unicodeValues: keys.check(() => unicodeValues(required(values, 'http.unicode-values'))),
    successStatuses: keys.check(() => {
      const successValue = required(values, 'http.success-status')
      return successValue.value.trim().toLowerCase() === '2xx' ? [] : statusList('http.success-status', successValue)
    }),
    successPattern: keys.check(() => pattern(values, 'http.success-pattern')),
    failurePattern: keys.check(() => pattern(values, 'http.failure-pattern')),
    idPattern: keys.check(() => idPattern(values)),
    retryStatuses: keys.check(() => statusList('http.retry-status', required(values, 'http.retry-status'))),
    check: keys.check(() => (checkValue ? parseCheckUrl(checkValue) : undefined)),
  }
  keys.done()
  return settings as HttpSettings
}

/** The keys whose values may hold a literal API key, as messages (and `config` when they are invalid) show them. */
export const KEYS_WITH_LITERALS = ['http.params', 'http.headers', 'http.body', 'http.check-url'] as const

export function namesOnly(key: (typeof KEYS_WITH_LITERALS)[number], value: string): string {
  if (key === 'http.params') return paramNames(value)
  if (key === 'http.headers') return headerNames(value)
  if (key === 'http.body') return '{…}'
  const question = value.indexOf('?')
  return question === -1 ? value : `${value.slice(0, question)}?${paramNames(value.slice(question + 1))}`
}

/** The query is templated as http.params is: `?user={user}&key={password}`, filled and encoded at the check. */
function parseCheckUrl(sourced: SourcedValue): { url: string; params: TemplatedField[] } {
  const question = sourced.value.indexOf('?')
  const query = question === -1 ? '' : sourced.value.slice(question + 1)
  const shown = { ...sourced, value: namesOnly('http.check-url', sourced.value) }
  const url = parseHttpUrl('http.check-url', { ...shown, value: question === -1 ? sourced.value : sourced.value.slice(0, question) })
  const params = parsed('http.check-url', shown, parseParams(query))
  const unusable = params.flatMap(({ value }) => templateNames(value)).find((name) => !['user', 'password', 'token'].includes(name))
  if (unusable) throw invalid('http.check-url', shown, `may fill in {user}, {password} and {token}; there is no message for {${unusable}}.`)
  return { url: url.href, params }
}

/** `text,unicode`: the gateway's words for GSM 7-bit and UCS-2, so it sends the encoding the text was counted in. */
function unicodeValues(sourced: SourcedValue): Record<SmsEncoding, string> {
  const words = sourced.value.split(',').map((word) => word.trim())
  if (words.length !== 2 || words.some((word) => !/^[\x21-\x7e]+$/.test(word))) throw invalid('http.unicode-values', sourced, 'must be two values separated by a comma, for GSM 7-bit and for UCS-2 texts, such as 0,1 or text,unicode.')
  return { gsm7: words[0]!, ucs2: words[1]! }
}

function parsed<T>(key: ConfigKey, sourced: SourcedValue, result: T | { error: string }): T {
  if (result && typeof result === 'object' && 'error' in result && typeof result.error === 'string') throw invalid(key, sourced, `is not usable: ${result.error}.`)
  return result as T
}

function statusList(key: ConfigKey, sourced: SourcedValue): number[] {
  const statuses = sourced.value.split(/[\s,]+/).filter((part) => part !== '').map(Number)
  if (statuses.length === 0 || !statuses.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw invalid(key, sourced, 'must be HTTP statuses separated by commas, such as 200,202.')
  }
  return statuses
}

function pattern(values: SourceValues, key: ConfigKey): RegExp | undefined {
  const sourced = values[key]
  if (!sourced) return undefined
  if (sourced.value.length > MAX_PATTERN_LENGTH) throw invalid(key, { ...sourced, value: sourced.value.slice(0, 40) }, `is longer than ${MAX_PATTERN_LENGTH} characters.`)
  try {
    return new RegExp(sourced.value)
  } catch {
    throw invalid(key, sourced, 'is not a valid regular expression.')
  }
}

function idPattern(values: SourceValues): RegExp | undefined {
  const compiled = pattern(values, 'http.id-pattern')
  // A pattern with a group matches the empty string after `|` as group-less: count groups.
  if (compiled && new RegExp(`${compiled.source}|`).exec('')!.length < 2) throw invalid('http.id-pattern', values['http.id-pattern']!, 'needs a capture group ( ) around the id.')
  return compiled
}
