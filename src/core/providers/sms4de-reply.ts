import { buildEvent, DLR_TYPES, parseGatewayTime, wallClockToUtc, type DeliveryEvent } from '../dlr.js'
import { reportEventId } from '../event-identity.js'
import { maskNumberFields } from '../phone-number.js'
import { AuthError, ConfigError, GatewayRejectedError, GatewayUnavailableError, ProtocolError } from '../errors.js'
import type { GatewayReply } from '../kannel-response.js'
import { redactSecrets, truncateForMessage } from '../redact.js'
import type { AwaitedSend, PollAnswer, ProviderCheckResult, ProviderReply } from './provider.js'

/** What a public SMS4.de client takes as success (docs/sms4de.md). */
export const SMS4DE_SUCCESS = 'SMS erfolgreich versendet'
/** Assumed: the id `v=1` adds is the first run of digits after the success phrase. */
const SMS_ID_AFTER_SUCCESS = /SMS erfolgreich versendet\D*?(\d{1,30})/
/** Assumed wording of failures, since sms_out.pl's status list is not public (docs/sms4de.md). */
const BALANCE_WORDS = /guthaben|budget|credit|balance|nicht ausreichend|insufficient/i
const CREDENTIAL_WORDS = /passw|kennwort|benutzer|\buser\b|kundennummer|kdnr|login|anmeld|zugang|authori[sz]|authentif|credential/i
const HTML = /^\s*<(!doctype|html|head|body)\b/i

const MANUAL_HINT = 'Check sms4de.url; docs/sms4de.md lists what each SMS4.de reply means.'

/** The body for a message: the password removed (the service may echo it), one short line. */
function shown(body: string, password: string): string {
  return truncateForMessage(redactSecrets(body.trim(), [password]), 120)
}

function serverFailure(reply: GatewayReply, what: string): GatewayUnavailableError {
  // Any 5xx after the request arrived: nobody can say whether SMS4.de sent the SMS.
  return new GatewayUnavailableError(`SMS4.de failed (HTTP ${reply.status}) ${what}.`, {
    mayHaveBeenSent: true,
    hint: 'The request reached SMS4.de, so the SMS may have been sent: not resent automatically, to avoid a second PIN.',
  })
}

/**
 * Turns a sms_out.pl reply into accepted (with the SMS id), or the error whose exit code
 * tells the wrapper what to do. The reply table is in docs/sms4de.md.
 */
export function classifySms4deSendReply(reply: GatewayReply, password: string): ProviderReply {
  const body = shown(reply.body, password)
  if (reply.status >= 500) throw serverFailure(reply, 'while sending')
  if (reply.status === 404) throw new ProtocolError(`SMS4.de has no such page (HTTP 404): ${body || 'empty reply'}.`, MANUAL_HINT)
  if (reply.status === 401 || reply.status === 403) throw new AuthError(`SMS4.de refused access (HTTP ${reply.status}): ${body || 'empty reply'}.`, 'Check sms4de.user, sms4de.password and sms4de.kdnr.')
  if (reply.status >= 200 && reply.status < 300 && reply.body.includes(SMS4DE_SUCCESS)) {
    const providerId = SMS_ID_AFTER_SUCCESS.exec(reply.body)?.[1] ?? null
    const warnings = providerId ? [] : ['SMS4.de sent the SMS but its reply has no SMS id, so feedback --poll cannot ask about it.']
    return { outcome: 'accepted', reply: body, providerId, warnings }
  }
  if (reply.body.trim() === '' || HTML.test(reply.body) || reply.status >= 300) {
    throw new ProtocolError(`The reply is not SMS4.de's (HTTP ${reply.status}${body ? `: ${body}` : ', empty'}).`, MANUAL_HINT)
  }
  if (BALANCE_WORDS.test(reply.body)) {
    throw new GatewayRejectedError(`SMS4.de did not send the SMS: ${body}`, 'Check the balance with: sms-kannel config --check; top up the SMS4.de account.')
  }
  if (CREDENTIAL_WORDS.test(reply.body)) {
    throw new AuthError(`SMS4.de refused the credentials: ${body}`, 'Check sms4de.user (not the login user), sms4de.password and sms4de.kdnr; sms-kannel config --check proves them.')
  }
  throw new GatewayRejectedError(`SMS4.de did not send the SMS: ${body}`, 'SMS4.de says why; fix what it names (number, sender, text) before trying again.')
}

/** The balance query's status codes, from SMS4.de's manual. */
const CHECK_STATUS: Readonly<Record<string, string>> = {
  '10': 'user, password and customer number do not match',
  '11': 'the user is missing',
  '12': 'the password is missing',
  '13': 'the customer number is missing',
  '99': 'the combination of parameters is invalid',
}

function xmlValue(body: string, element: string): string | undefined {
  return new RegExp(`<${element}>\\s*([^<]*?)\\s*</${element}>`).exec(body)?.[1]
}

/** sms_check.pl's XML: status 0 and the balance, or the manual's status codes. */
export function classifySms4deCheckReply(reply: GatewayReply, settings: { password: string; kdnr: string; minBalanceEuro: number }): ProviderCheckResult {
  const body = shown(reply.body, settings.password)
  if (reply.status >= 500) {
    throw new GatewayUnavailableError(`SMS4.de's balance query failed (HTTP ${reply.status}).`, { mayHaveBeenSent: false, hint: 'Try again later.' })
  }
  const status = reply.body.includes('<smscheck>') ? xmlValue(reply.body, 'status') : undefined
  if (status === undefined) throw new ProtocolError(`The reply is not SMS4.de's balance query (HTTP ${reply.status}${body ? `: ${body}` : ', empty'}).`, 'Check sms4de.checkurl.')
  const statusText = truncateForMessage(xmlValue(reply.body, 'statustext') ?? '', 60)
  if (status === '10') throw new AuthError(`SMS4.de refused the credentials: ${CHECK_STATUS[status]} (status 10).`, 'Check sms4de.user (not the login user), sms4de.password and sms4de.kdnr.')
  if (status === '11' || status === '12' || status === '13') throw new ConfigError(`SMS4.de says ${CHECK_STATUS[status]} (status ${status}).`, 'Set sms4de.user, sms4de.password and sms4de.kdnr.')
  if (status !== '0') throw new ProtocolError(`SMS4.de answered status ${truncateForMessage(status, 10)}: ${CHECK_STATUS[status] ?? (statusText || 'unknown status')}.`, 'sms-kannel sends user, pwd and kdnr only; check sms4de.checkurl.')
  const balanceText = xmlValue(reply.body, 'guthaben')
  const balanceEuro = balanceText !== undefined && /^-?\d+([.,]\d+)?$/.test(balanceText) ? Number(balanceText.replace(',', '.')) : undefined
  if (balanceEuro === undefined) throw new ProtocolError('SMS4.de\'s balance query answered OK without a balance.', 'Check sms4de.checkurl.')
  const warnings = balanceEuro < settings.minBalanceEuro ? [`The SMS4.de balance is ${balanceEuro.toFixed(2)} EUR, below sms4de.minbalance (${settings.minBalanceEuro.toFixed(2)} EUR): top up before PINs stop.`] : []
  return {
    summary: `SMS4.de accepts these credentials for customer ${settings.kdnr}; balance ${balanceEuro.toFixed(2)} EUR (nothing was sent).`,
    warnings,
    details: { balanceEuro },
  }
}

/** The manual's DLR status values, mapped onto Kannel's DLR types so the store and `status` need nothing new. */
const DLR_TYPE_FOR_STATUS: Readonly<Record<string, number>> = {
  '0': 1, // OK: delivered
  '1': 8, // open: with the network, no final result yet
  '2': 2, // error: not delivered
}

interface Sms4deReport {
  smsId: string
  status: string
  statusText: string | null
  mobile: string | null
  dateTime: string | null
  statusDetailText: string | null
}

function readReport(entry: unknown): Sms4deReport | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return undefined
  const fields = entry as Record<string, unknown>
  const text = (name: string) => (typeof fields[name] === 'string' || typeof fields[name] === 'number' ? String(fields[name]) : null)
  const smsId = text('smsId')
  const status = text('status')
  if (smsId === null || status === null || !Object.hasOwn(DLR_TYPE_FOR_STATUS, status)) return undefined
  return { smsId, status, statusText: text('statusText'), mobile: text('mobile'), dateTime: text('dateTime'), statusDetailText: text('statusDetailText') }
}

/**
 * The DLR REST API's answer: an object for one id, an array for several, and
 * `{"error":"smsid not found"}` (or `[]`) for ids it does not know. Each report becomes an
 * event of the usual schema; the same report always gets the same event id.
 */
export function parseSms4deDlrReply(reply: GatewayReply, sends: readonly AwaitedSend[], receivedAt: Date, timeZone: string): PollAnswer {
  let parsed: unknown
  try {
    parsed = JSON.parse(reply.body)
  } catch {
    if (reply.status >= 500) throw new GatewayUnavailableError(`SMS4.de's delivery report API failed (HTTP ${reply.status}).`, { mayHaveBeenSent: false, hint: 'Try again at the next run.' })
    if (reply.status === 401 || reply.status === 403) throw new AuthError(`SMS4.de's delivery report API refused access (HTTP ${reply.status}).`, 'Check sms4de.kdnr and sms4de.dlrurl.')
    throw new ProtocolError(`The reply is not JSON from SMS4.de's delivery report API (HTTP ${reply.status}: ${truncateForMessage(maskNumberFields(reply.body.trim()), 80)}).`, 'Check sms4de.dlrurl.')
  }
  const bySmsId = new Map(sends.map((send) => [send.providerId, send]))
  const entries = Array.isArray(parsed) ? parsed : [parsed]
  const answer: PollAnswer = { events: [], unknownIds: [], warnings: [] }
  const answered = new Set<string>()
  for (const entry of entries) {
    const error = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>)['error'] : undefined
    if (typeof error === 'string') {
      if (/not found/i.test(error)) continue
      throw new GatewayRejectedError(`SMS4.de's delivery report API refused the query: ${truncateForMessage(error, 80)}.`, 'Check sms4de.kdnr and sms4de.dlrurl.')
    }
    const report = readReport(entry)
    const send = report && bySmsId.get(report.smsId)
    if (!report || !send) {
      answer.warnings.push(`SMS4.de answered with a report sms-kannel did not ask for or cannot read: ${truncateForMessage(maskNumberFields(JSON.stringify(entry) ?? String(entry)), 80)}`)
      continue
    }
    answered.add(report.smsId)
    answer.events.push(eventFromReport(report, entry as object, send, receivedAt, timeZone))
  }
  answer.unknownIds = sends.map((send) => send.providerId).filter((id) => !answered.has(id))
  return answer
}

/**
 * SMS4.de's `dateTime` is a wall-clock time without offset (docs/sms4de.md): read in
 * sms4de.timezone and stored as UTC, so latencies are right whatever zone SMS4.de writes.
 * @example sms4deTime('2026-12-07 14:23:14', 'Europe/Berlin') === '2026-12-07T13:23:14Z'
 */
export function sms4deTime(dateTime: string | null, timeZone: string): string | null {
  if (dateTime === null) return null
  // An epoch-seconds value is taken as it is; a wall-clock one that is no real time gives none.
  return /^\d{9,11}$/.test(dateTime) ? parseGatewayTime(dateTime) : wallClockToUtc(dateTime, timeZone)
}

function eventFromReport(report: Sms4deReport, entry: object, send: AwaitedSend, receivedAt: Date, timeZone: string): DeliveryEvent {
  const gatewayTime = sms4deTime(report.dateTime, timeZone)
  const detail = report.statusDetailText ?? report.statusText
  return buildEvent({
    // One event per message and outcome, as for Kannel's reports: polling again adds nothing.
    eventId: reportEventId({ messageId: send.messageId, status: DLR_TYPES[DLR_TYPE_FOR_STATUS[report.status] as keyof typeof DLR_TYPES], kannelId: null, gatewayTime }, () => `sms4de\n${report.smsId}\n${report.status}`),
    messageId: send.messageId,
    sequence: send.sequence,
    dlr: DLR_TYPE_FOR_STATUS[report.status]!,
    recipient: report.mobile,
    sender: null,
    smscId: null,
    smscMessageId: report.smsId,
    gatewayTime,
    smscReply: detail ? { kind: 'other', raw: detail } : null,
    receivedAt: receivedAt.toISOString(),
    source: { kind: 'poll', provider: 'sms4de' },
    rawFormat: 'json',
    raw: JSON.stringify(entry),
  })
}
