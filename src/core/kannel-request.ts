import type { Config } from './config.js'
import { ConfigError } from './errors.js'
import { callbackToken } from './callback-token.js'
import type { SmsEncoding } from './sms-text.js'

/**
 * Query parameters `send` adds to the feedback URL, and the Kannel escape each carries
 * (Kannel user guide, "dlr-url" escape codes; real values in docs/kannel.md §7).
 * Our own ids are needed because %F is empty on DLR 8 and %I is new for every report;
 * %I (`kid`) joins a callback to bearerbox's access-log line of the same report.
 */
export const DLR_PARAMS = {
  sequence: 'seq',
  messageId: 'msgid',
  kannelId: 'kid',
  dlrType: 'dlr',
  smscReply: 'reply',
  smscMessageId: 'smscmsgid',
  recipient: 'recipient',
  sender: 'sender',
  gatewayEpoch: 'time',
  smscId: 'smsc',
  token: 'token',
} as const

const DLR_ESCAPES: Readonly<Partial<Record<keyof typeof DLR_PARAMS, string>>> = {
  kannelId: '%I',
  dlrType: '%d',
  smscReply: '%A',
  smscMessageId: '%F',
  recipient: '%p',
  sender: '%P',
  gatewayEpoch: '%T',
  smscId: '%i',
}

/** Kannel's `coding` values (user guide, sendsms parameters). */
const KANNEL_CODING: Readonly<Record<SmsEncoding, string>> = { gsm7: '0', ucs2: '2' }

export interface OutgoingSms {
  to: string
  text: string
  encoding: SmsEncoding
  messageId: string
  sequence: string | undefined
}

export interface SendRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body: string | undefined
}

/**
 * The dlr-url for one send: the feedback URL with its own query kept, plus our ids and
 * Kannel's escapes. Every `%` of ours is doubled, since Kannel would read `%C3` as the
 * escape `%C` (charset); it turns `%%` back into `%` (docs/kannel.md §7).
 */
export function buildDlrUrl(feedbackUrl: URL, ids: { messageId: string; sequence: string | undefined }, secret?: string): string {
  for (const name of Object.values(DLR_PARAMS)) {
    if (feedbackUrl.searchParams.has(name)) {
      throw new ConfigError(
        `smskannel.feedbackurl already has a "${name}" parameter, which sms-kannel adds itself.`,
        `Remove it; sms-kannel adds ${Object.values(DLR_PARAMS).join(', ')}.`,
      )
    }
  }
  const ownValues: string[] = []
  if (ids.sequence !== undefined) ownValues.push(`${DLR_PARAMS.sequence}=${encodeURIComponent(ids.sequence)}`)
  ownValues.push(`${DLR_PARAMS.messageId}=${encodeURIComponent(ids.messageId)}`)
  if (secret !== undefined) ownValues.push(`${DLR_PARAMS.token}=${callbackToken(secret, ids.messageId, ids.sequence ?? null)}`)
  const base = feedbackUrl.href.replaceAll('%', '%%')
  const own = ownValues.join('&').replaceAll('%', '%%')
  const escapes = Object.entries(DLR_ESCAPES).map(([field, escape]) => `${DLR_PARAMS[field as keyof typeof DLR_PARAMS]}=${escape}`)
  const separator = feedbackUrl.search === '' ? '?' : feedbackUrl.search === '?' ? '' : '&'
  return `${base}${separator}${[own, ...escapes].join('&')}`
}

/** The sendsms URL of one gateway, without any query. */
export function sendSmsEndpoint(gatewayUrl: string, config: Pick<Config, 'sendPath'>): string {
  return `${gatewayUrl}${config.sendPath}`
}

/**
 * The request for one SMS. POST carries everything in X-Kannel headers, so the password
 * never sits in a URL or a proxy log; the body's charset must be explicit because Kannel
 * reads a bare text/plain body as Latin-1 (docs/kannel.md §5). GET puts it all in the
 * query; `+` in the number is encoded as %2B, or Kannel would read a space (docs/kannel.md §3).
 * @example buildSendRequest(config, { to: '+491701234567', text: 'PIN 1', encoding: 'gsm7', messageId, sequence })
 */
export function buildSendRequest(config: Config, sms: OutgoingSms, gatewayUrl = config.gatewayUrls[0]!): SendRequest {
  const dlrUrl = config.feedbackUrl && config.dlrMask > 0 ? buildDlrUrl(config.feedbackUrl, sms, config.secret) : undefined
  const fields: Array<[string, string]> = [
    ['username', config.username],
    ['password', config.password],
    ['to', sms.to],
  ]
  if (config.sender !== undefined) fields.push(['from', config.sender])
  if (dlrUrl !== undefined) fields.push(['dlr-mask', String(config.dlrMask)], ['dlr-url', dlrUrl])
  fields.push(['coding', KANNEL_CODING[sms.encoding]])
  const endpoint = sendSmsEndpoint(gatewayUrl, config)

  if (config.method === 'get') {
    const query = new URLSearchParams([...fields, ['charset', 'UTF-8'], ['text', sms.text]])
    return { method: 'GET', url: `${endpoint}?${query}`, headers: {}, body: undefined }
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=UTF-8' }
  // Values outside ASCII go as their UTF-8 bytes, as GET would send them (the HTTP client does that).
  for (const [name, value] of fields) headers[`x-kannel-${name}`] = value
  return { method: 'POST', url: endpoint, headers, body: sms.text }
}

/**
 * A request that proves the URL is a Kannel smsbox and the credentials work, and sends
 * nothing: without a recipient Kannel answers 400 after checking credentials, 403 when they
 * are wrong (docs/kannel.md §10). Never HEAD: HEAD with a query sends the SMS.
 */
export function buildCheckRequest(config: Config, gatewayUrl: string): SendRequest {
  const endpoint = sendSmsEndpoint(gatewayUrl, config)
  if (config.method === 'get') {
    const query = new URLSearchParams({ username: config.username, password: config.password })
    return { method: 'GET', url: `${endpoint}?${query}`, headers: {}, body: undefined }
  }
  return {
    method: 'POST',
    url: endpoint,
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-kannel-username': config.username,
      'x-kannel-password': config.password,
    },
    body: '',
  }
}
