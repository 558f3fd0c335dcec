import { resolveConfig, type ConfigSources } from '../core/config.js'
import { buildSendRequest, type SendRequest } from '../core/kannel-request.js'
import { classifySendResponse, type SendOutcome } from '../core/kannel-response.js'
import { maskPhoneNumber, normalisePhoneNumber, toE164, type NumberParser } from '../core/phone-number.js'
import { checkPinText, pinSecrets, readVisuloxEnvironment, renderPinTemplate } from '../core/pin-text.js'
import { redactUrl, REDACTED } from '../core/redact.js'
import type { SmsEncoding } from '../core/sms-text.js'
import { GatewayUnavailableError, SmsKannelError } from '../core/errors.js'
import { proxyPassword } from '../core/config.js'
import { canTryAgain, CONNECT_TIMEOUT_MS, INITIAL_BACKOFF_MS, nextBackoffMs } from '../core/retry-policy.js'
import type { Config } from '../core/config.js'
import type { ClassifiedReply } from '../core/kannel-response.js'
import type { SendRecord } from '../core/timeline.js'
import { prepareText } from '../core/sms-text.js'
import { redactingReplies, type HttpClient } from '../shell/http.js'
import type { Reporter } from '../shell/output.js'

export interface SendInput {
  sources: ConfigSources
  /** The environment VISULOX gave us (VLXSMS, VLXPIN_TEXT, VLXPIN, ...). */
  env: Readonly<Record<string, string | undefined>>
  to: string | undefined
  text: string | undefined
  dryRun: boolean
  messageId: string
  /** Asked only when the template shows an expiry time: ICU costs milliseconds to start. */
  timeZone: () => string
}

export interface SendIo {
  /** The HTTP client for this configuration (TLS, proxy). */
  http: (config: Config) => HttpClient
  report: Reporter
  loadNumberParser: () => Promise<NumberParser>
  now: () => number
  sleep: (ms: number) => Promise<void>
  wallClock: () => Date
  /** Records the send in the event store when one is configured; never fails the send. */
  recordSend: (storePath: string, record: SendRecord) => Promise<void>
}

export interface SendResult {
  outcome: SendOutcome | 'dry-run'
  messageId: string
  sequence: string | null
  to: string
  encoding: SmsEncoding
  parts: number
  units: number
  method: 'GET' | 'POST'
  /** The gateway that took the message (host:port). */
  gateway: string
  /** Requests made: more than one only when the earlier ones provably sent nothing. */
  tries: number
  httpStatus: number | null
  reply: string | null
  durationMs: number
  warnings: string[]
  request?: DescribedRequest
}

export interface DescribedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
}

/** Sends one PIN SMS: configuration, number, text, request, reply; nothing is ever resent. */
export async function send(input: SendInput, io: SendIo): Promise<SendResult> {
  const startedAt = io.now()
  const { config } = resolveConfig(input.sources)
  if (config.insecure) io.report.warn('smskannel.insecure: the gateway\'s TLS certificate is NOT verified; anyone in between can read the PIN.')
  const vlx = readVisuloxEnvironment(input.env)
  io.report.addSecrets(config.password, config.secret, proxyPassword(config.proxy), ...pinSecrets(vlx))

  let to = normalisePhoneNumber(input.to ?? vlx.number ?? '', config.numberPattern)
  if (config.defaultCountry) to = toE164(to, config.defaultCountry, await io.loadNumberParser())
  io.report.verbose(`number: ${maskPhoneNumber(to)}`)

  const rawText = input.text ?? vlx.text ?? renderPinTemplate(config.template, vlx, input.timeZone)
  const { text, analysis } = prepareText(rawText, config.maxParts)
  io.report.verbose(`text: ${analysis.units} ${analysis.encoding === 'gsm7' ? 'GSM 7-bit' : 'UCS-2'} units, ${analysis.parts} part(s)`)
  const warnings = checkPinText(text, vlx)
  if (analysis.splitsSurrogatePair) warnings.push('An emoji falls on an SMS part boundary; Kannel splits it there and the phone may show it broken.')
  for (const warning of warnings) io.report.warn(warning)

  const sms = { to, text, encoding: analysis.encoding, messageId: input.messageId, sequence: vlx.sequence }
  const request = buildSendRequest(config, sms)
  const described = describeRequest(request)
  io.report.verbose(`request: ${described.method} ${described.url}`)
  const base = {
    messageId: input.messageId,
    sequence: vlx.sequence ?? null,
    to: maskPhoneNumber(to),
    encoding: analysis.encoding,
    parts: analysis.parts,
    units: analysis.units,
    method: request.method,
    gateway: new URL(request.url).host,
  }
  if (input.dryRun) {
    return { ...base, tries: 0, outcome: 'dry-run', httpStatus: null, reply: null, durationMs: io.now() - startedAt, warnings, request: described }
  }

  const sentAt = io.wallClock().toISOString()
  const record = (outcome: string, gateway: string) =>
    config.storePath ? io.recordSend(config.storePath, { messageId: base.messageId, sequence: base.sequence, recipient: base.to, sentAt, outcome, gateway }) : Promise.resolve()
  let delivered: Delivered
  try {
    delivered = await deliver(config, (gatewayUrl) => buildSendRequest(config, sms, gatewayUrl), io)
  } catch (error) {
    if (error instanceof SmsKannelError) await record(`failed (exit ${error.exitCode})`, base.gateway)
    throw error
  }
  const classified = delivered.classified
  base.gateway = delivered.gateway
  await record(classified.outcome, delivered.gateway)
  if (classified.outcome === 'queued') {
    const queued = 'Kannel queued the SMS: no SMSC is connected, so it goes out when one connects (and is lost if bearerbox restarts first).'
    warnings.push(queued)
    io.report.warn(queued)
  }
  return { ...base, tries: delivered.tries, outcome: classified.outcome, httpStatus: delivered.status, reply: classified.reply, durationMs: io.now() - startedAt, warnings }
}

interface Delivered {
  classified: ClassifiedReply
  status: number
  gateway: string
  tries: number
}

/**
 * Tries the gateways in order within the one timeout, and again round after round, but only
 * while every failure proves nothing was sent: a PIN must never arrive twice.
 */
async function deliver(config: Config, requestFor: (gatewayUrl: string) => SendRequest, io: SendIo): Promise<Delivered> {
  const http = redactingReplies(io.http(config), io.report.redact)
  const deadline = io.now() + config.timeoutMs
  let tries = 0
  let backoffMs = INITIAL_BACKOFF_MS
  let lastError: GatewayUnavailableError | undefined
  const gaveUp = (error: GatewayUnavailableError) =>
    tries > 1 ? new GatewayUnavailableError(`${error.message} (gave up after ${tries} tries on ${config.gatewayUrls.length} gateway${config.gatewayUrls.length === 1 ? '' : 's'})`, { mayHaveBeenSent: error.mayHaveBeenSent, ...(error.hint ? { hint: error.hint } : {}) }) : error
  for (;;) {
    for (const gatewayUrl of config.gatewayUrls) {
      const remainingMs = deadline - io.now()
      if (remainingMs <= 0 && lastError) throw gaveUp(lastError)
      const request = requestFor(gatewayUrl)
      const gateway = new URL(request.url).host
      tries += 1
      try {
        const reply = await http.send(request, Math.max(1, remainingMs), { connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, Math.max(1, remainingMs)) })
        io.report.verbose(`reply from ${gateway}: HTTP ${reply.status} ${JSON.stringify(reply.body.slice(0, 200))}`)
        return { classified: classifySendResponse(reply), status: reply.status, gateway, tries }
      } catch (error) {
        if (!canTryAgain(error, config.retryUnsafe)) throw error instanceof GatewayUnavailableError ? gaveUp(error) : error
        io.report.verbose(`try ${tries} via ${gateway}: ${error.message}`)
        lastError = error
      }
    }
    const remainingMs = deadline - io.now()
    if (remainingMs <= backoffMs) throw gaveUp(lastError!)
    await io.sleep(backoffMs)
    backoffMs = nextBackoffMs(backoffMs)
  }
}

/** The request as --dry-run and --verbose show it: password replaced; the PIN is hidden by the reporter. */
export function describeRequest(request: SendRequest): DescribedRequest {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name] = name === 'x-kannel-password' ? REDACTED : value
  return { method: request.method, url: redactUrl(request.url), headers, body: request.body ?? null }
}

/** The one line a person sees on success; PINs are filtered out by the reporter anyway. */
export function summariseSend(result: SendResult): string {
  const encoding = result.encoding === 'gsm7' ? 'GSM 7-bit' : 'UCS-2'
  const what = `SMS to ${result.to} (${result.parts} part${result.parts === 1 ? '' : 's'}, ${encoding}) via ${result.gateway}`
  if (result.outcome === 'dry-run') return `dry run: would send ${what}; nothing sent`
  const seq = result.sequence ? `, sequence ${result.sequence}` : ''
  return `${result.outcome === 'queued' ? 'queued' : 'accepted'}: ${what}, message id ${result.messageId}${seq}`
}
