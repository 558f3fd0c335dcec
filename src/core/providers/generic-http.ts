import type { Config } from '../config.js'
import { AuthError, ConfigError, GatewayRejectedError, GatewayUnavailableError, InputError, ProtocolError } from '../errors.js'
import { execWithin } from '../guarded-regexp.js'
import { DLR_PARAMS, type SendRequest } from '../kannel-request.js'
import type { GatewayReply } from '../kannel-response.js'
import { callbackToken } from '../callback-token.js'
import { redactForms, truncateForMessage } from '../redact.js'
import { senderWarnings } from '../sender.js'
import { describeCharacter, prepareText } from '../sms-text.js'
import { charactersOutside, encodeInCharset, misreadings, type Charset } from './charset.js'
import type { HttpSettings } from './http-config.js'
import { fillJsonTemplate, fillTemplate, TemplateText, type JsonTemplate, type Template, type TemplatedField, type TemplateValues } from './http-template.js'
import type { DescribedRequest, ProviderReply, ProviderSms, SmsProvider } from './provider.js'
import { hexForms, percentEncodeBytes } from './sms4de-text.js'

/**
 * Every way a secret can appear in a request of this provider: as is, percent-encoded in the
 * charset, form-encoded, JSON-escaped; and a Latin charset's bytes as a server may misread
 * them (UTF-8 bytes misread are secretForms' part).
 */
function secretFormsIn(secret: string, charset: Charset): string[] {
  const bytes = encodeInCharset(secret, charset)
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1), ...(bytes ? [percentEncodeBytes(bytes)] : []), ...(bytes && charset !== 'utf-8' ? misreadings(bytes) : [])]
}

function formEncode(fields: ReadonlyArray<readonly [string, string]>, charset: Charset): string {
  return fields
    .map(([name, value]) => {
      const bytes = encodeInCharset(value, charset)
      if (!bytes) throw new ConfigError(`The value of the field ${name} has characters ${charset} lacks: ${charactersOutside(value, charset).map(describeCharacter).join(', ')}.`, 'Change http.charset, or the setting that fills this field.')
      return `${percentEncodeBytes(new TextEncoder().encode(name))}=${percentEncodeBytes(bytes)}`
    })
    .join('&')
}

/** The feedback URL for {feedback_url}: our ids in its query, as Kannel's dlr-url has them (no Kannel escapes). */
function feedbackUrlFor(config: Config, sms: ProviderSms): string | undefined {
  if (!config.feedbackUrl) return undefined
  const url = new URL(config.feedbackUrl.href)
  if (sms.sequence !== undefined) url.searchParams.set(DLR_PARAMS.sequence, sms.sequence)
  url.searchParams.set(DLR_PARAMS.messageId, sms.messageId)
  if (config.secret !== undefined) url.searchParams.set(DLR_PARAMS.token, callbackToken(config.secret, sms.messageId, sms.sequence ?? null))
  return url.href
}

/** The request to one URL, every template filled; the text was checked against the charset. */
export function buildHttpSendRequest(settings: HttpSettings, values: TemplateValues, url: string): SendRequest {
  const fields = settings.params.map(({ name, value }) => [name, fillTemplate(value, values)] as const)
  const headers: Record<string, string> = {}
  if (settings.method === 'post-form') headers['content-type'] = 'application/x-www-form-urlencoded'
  if (settings.method === 'post-json') headers['content-type'] = 'application/json'
  for (const { name, value } of settings.headers) {
    const filled = fillTemplate(value, values)
    if (!/^[\x20-\x7e]*$/.test(filled)) throw new InputError(`The header ${name} would carry characters HTTP headers cannot (a newline, or beyond ASCII).`, 'Keep {text} out of http.headers.')
    headers[name] = filled
  }
  if (settings.method === 'get') {
    const query = formEncode(fields, settings.charset)
    return { method: 'GET', url: query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`, headers, body: undefined }
  }
  if (settings.method === 'post-form') return { method: 'POST', url, headers, body: formEncode(fields, settings.charset) }
  const json = settings.body !== undefined ? fillJsonTemplate(settings.body, values) : Object.fromEntries(fields)
  return { method: 'POST', url, headers, body: JSON.stringify(json) }
}

/** 2xx when no list is configured. */
function isSuccessStatus(settings: HttpSettings, status: number): boolean {
  return settings.successStatuses.length === 0 ? status >= 200 && status < 300 : settings.successStatuses.includes(status)
}

/**
 * The reply, by the configured rules in this order: a retry status (nothing was sent), the
 * failure pattern, success (status and pattern; the id from id-pattern), then what HTTP says.
 */
export function classifyHttpReply(settings: HttpSettings, reply: GatewayReply, secretForms: readonly string[]): ProviderReply {
  const body = truncateForMessage(redactForms(reply.body.trim(), secretForms), 120)
  const described = `HTTP ${reply.status}${body ? `: ${body}` : ''}`
  if (settings.retryStatuses.includes(reply.status)) {
    throw new GatewayUnavailableError(`The gateway is busy (${described}); http.retry-status says nothing was sent.`, { mayHaveBeenSent: false, hint: 'Try again later.' })
  }
  if (settings.failurePattern && execWithin(settings.failurePattern, reply.body, 'http.failure-pattern')) {
    throw new GatewayRejectedError(`The gateway refused the message (${described}).`, 'It matched http.failure-pattern; the gateway says why.')
  }
  if (isSuccessStatus(settings, reply.status) && (!settings.successPattern || execWithin(settings.successPattern, reply.body, 'http.success-pattern'))) {
    const id = settings.idPattern ? (execWithin(settings.idPattern, reply.body, 'http.id-pattern')?.[1] ?? null) : null
    const warnings = settings.idPattern && !id ? ['The reply has no message id where http.id-pattern looks for one.'] : []
    return { outcome: 'accepted', reply: body, providerId: id === null ? null : truncateForMessage(id, 100), warnings }
  }
  if (reply.status === 401 || reply.status === 403) throw new AuthError(`The gateway refused the credentials (${described}).`, 'Check http.user, http.password and http.token.')
  if (reply.status >= 500) {
    throw new GatewayUnavailableError(`The gateway failed (${described}).`, { mayHaveBeenSent: true, hint: 'The request reached the gateway, so the SMS may have been sent: not resent automatically, to avoid a second PIN.' })
  }
  if (reply.status === 404 || reply.status < 200 || (reply.status >= 300 && reply.status < 400)) {
    throw new ProtocolError(`The reply is not the gateway's answer to a send (${described}).`, 'Check http.url.', { nothingSent: reply.status >= 300 })
  }
  const successStatus = isSuccessStatus(settings, reply.status)
  throw new GatewayRejectedError(`The gateway did not confirm the message (${described}).`, successStatus ? 'The body did not match http.success-pattern.' : 'The status is not in http.success-status.', { mayHaveBeenSent: successStatus })
}

/** Headers that carry credentials by their name: Authorization, Cookie, X-Api-Key, X-Auth-Token, Client-Secret, ... */
const CREDENTIAL_HEADER = /^(?:proxy-)?authorization$|^cookie$|(?:key|token|secret|password|passwd|auth|session|signature)$/i
/** `Bearer abc`, `Basic dXNlcjpwYXNz`: the scheme is not the secret. */
const AUTH_SCHEME = /^\s*[A-Za-z][A-Za-z0-9_-]*\s+(?=\S)/

/**
 * The literal values written into credential headers (`Authorization: Bearer abc`,
 * `X-Api-Key: k`), which are as secret as http.token; a cookie's value and a Basic
 * password also on their own, since a server may echo them apart.
 */
export function headerSecrets(headers: readonly TemplatedField[]): string[] {
  const secrets: string[] = []
  for (const { name, value } of headers) {
    if (!CREDENTIAL_HEADER.test(name)) continue
    const authorization = /authorization$/i.test(name)
    value.forEach((part, index) => {
      if (typeof part !== 'string') return
      // `Bearer {token}`: the literal before the placeholder is only the scheme.
      const scheme = index === 0 && authorization ? (AUTH_SCHEME.exec(part)?.[0] ?? (value.length > 1 ? part : '')) : ''
      const literal = part.slice(scheme.length).trim()
      if (literal === '') return
      secrets.push(literal)
      const equals = literal.indexOf('=')
      if (name === 'cookie' && equals > 0) secrets.push(literal.slice(equals + 1))
      const decoded = /^\s*basic\s/i.test(scheme) ? decodeBase64(literal) : undefined
      const colon = decoded?.indexOf(':') ?? -1
      if (decoded !== undefined && colon !== -1) secrets.push(decoded, decoded.slice(colon + 1))
    })
  }
  return secrets
}

/** Fields whose name says credential: apikey, api_key, password, pwd, token, secret, auth, ... */
const CREDENTIAL_PARAM = /(?:key|token|secret|password|passwd|pwd|pass|auth|signature)$/i

/** The literal values written into credential fields of http.params (`apikey=abc` instead of `apikey={password}`). */
export function paramSecrets(params: readonly TemplatedField[]): string[] {
  return params.filter(({ name }) => CREDENTIAL_PARAM.test(name)).flatMap(({ value }) => literalsOf(value))
}

/** The same for http.body: strings (and numbers) under a credential key, at any depth: `{"auth":{"key":"abc"}}`. */
export function bodySecrets(body: JsonTemplate | undefined, underCredential = false): string[] {
  if (body instanceof TemplateText) return underCredential ? literalsOf(body.template) : []
  if (typeof body === 'number') return underCredential ? [String(body)] : []
  if (Array.isArray(body)) return body.flatMap((inner) => bodySecrets(inner, underCredential))
  if (body && typeof body === 'object') return Object.entries(body).flatMap(([key, inner]) => bodySecrets(inner, underCredential || CREDENTIAL_PARAM.test(key)))
  return []
}

/** A value written out in full; one with a placeholder (`Bearer {token}`) already hides what is secret in it. */
function literalsOf(template: Template): string[] {
  const literal = template.every((part) => typeof part === 'string') ? template.join('').trim() : ''
  return literal === '' ? [] : [literal]
}

function decodeBase64(text: string): string | undefined {
  try {
    return /^[A-Za-z0-9+/]+=*$/.test(text) ? atob(text) : undefined
  } catch {
    return undefined
  }
}

/** Any HTTP SMS gateway, from configuration alone (http.* keys; README). */
export function createHttpProvider(settings: HttpSettings, config: Config): SmsProvider {
  const secrets = [settings.password, settings.token, ...headerSecrets(settings.headers), ...paramSecrets(settings.params), ...paramSecrets(settings.check?.params ?? []), ...bodySecrets(settings.body)].filter((secret): secret is string => secret !== undefined && secret !== '')
  const secretForms = [...new Set(secrets.flatMap((secret) => secretFormsIn(secret, settings.charset)))].sort((a, b) => b.length - a.length)
  const valuesFor = (sms: ProviderSms): TemplateValues => ({
    to: sms.to,
    to_digits: sms.to.replace(/^\+/, ''),
    text: sms.text,
    // What the text needs on the air: Kannel's coding (0 GSM 7-bit, 2 UCS-2), and in the gateway's words.
    coding: sms.encoding === 'ucs2' ? '2' : '0',
    unicode: sms.encoding === 'ucs2' ? settings.unicodeValues.ucs2 : settings.unicodeValues.gsm7,
    sender: settings.sender ?? '',
    message_id: sms.messageId,
    sequence: sms.sequence ?? '',
    feedback_url: feedbackUrlFor(config, sms) ?? '',
    user: settings.user ?? '',
    password: settings.password ?? '',
    token: settings.token ?? '',
  })
  const hide = (text: string) => redactForms(text, secretForms)
  const describe = (request: SendRequest): DescribedRequest => ({
    method: request.method,
    url: hide(request.url),
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, hide(value)])),
    body: request.body === undefined ? null : hide(request.body),
  })
  return {
    name: 'http',
    label: 'the HTTP gateway',
    endpoints: settings.urls,
    secrets: secretForms,
    encodedForms: (secret) => [...secretFormsIn(secret, settings.charset), ...hexForms(secret)],
    senderWarnings: () => senderWarnings(settings.sender, 'http.sender', 'sms-kannel passes it to the gateway as configured.'),
    prepareText(raw) {
      const { text, analysis, warnings } = prepareText(raw, config.maxParts, (character) => charactersOutside(character, settings.charset).length > 0)
      const outside = charactersOutside(text, settings.charset)
      if (outside.length > 0) {
        throw new InputError(`The text has characters ${settings.charset} lacks: ${outside.map(describeCharacter).join(', ')}; they are refused rather than sent as "?".`, 'Write the text without them, or set http.charset = utf-8 if the gateway takes it.')
      }
      return { text, encoding: analysis.encoding, units: analysis.units, parts: analysis.parts, warnings }
    },
    buildRequest: (sms, url) => buildHttpSendRequest(settings, valuesFor(sms), url),
    describeRequest: describe,
    classifyReply: (reply) => classifyHttpReply(settings, reply, secretForms),
    // The target names the address alone: the query may hold credentials.
    checkRequests: () => (settings.check ? [{ target: settings.check.url, request: { ...buildHttpSendRequest({ ...settings, method: 'get', params: settings.check.params }, valuesFor(CHECK_SMS), settings.check.url), method: 'GET' } }] : []),
    classifyCheck(reply, check) {
      const body = truncateForMessage(redactForms(reply.body.trim(), secretForms), 80)
      if (reply.status === 401 || reply.status === 403) throw new AuthError(`${check.target} refused the credentials (HTTP ${reply.status}).`, 'Check http.user, http.password and http.token.')
      if (reply.status >= 500) throw new GatewayUnavailableError(`${check.target} failed (HTTP ${reply.status}).`, { mayHaveBeenSent: false })
      if (reply.status < 200 || reply.status >= 300) throw new ProtocolError(`${check.target} answered HTTP ${reply.status}${body ? `: ${body}` : ''}.`, 'Check http.check-url.')
      return { summary: `${check.target} answered HTTP ${reply.status} (nothing was sent).`, warnings: [] }
    },
    offlineChecks() {
      const described = describe(buildHttpSendRequest(settings, valuesFor(CHECK_SMS), settings.urls[0]!))
      const shown = `${described.method} ${described.url}${described.body === null ? '' : ` ${described.body}`}`
      return [{ summary: `The templates work; a send would be (nothing was sent): ${shown}`, warnings: [], details: { method: described.method, url: described.url, body: described.body ?? '' } }]
    },
  }
}

/** What config --check fills the templates with: obviously not a real message. */
const CHECK_SMS: ProviderSms = { to: '+4900000000', text: 'sms-kannel config --check', encoding: 'gsm7', messageId: '00000000-0000-7000-8000-000000000000', sequence: '0' }

