import { callbackToken } from '../core/callback-token.js'
import { resolveConfig, type ConfigSources } from '../core/config.js'
import type { SendRequest } from '../core/kannel-request.js'
import type { SendOutcome } from '../core/kannel-response.js'
import { maskNumberIn, maskPhoneNumber, normalisePhoneNumber, toE164, type NumberParser } from '../core/phone-number.js'
import { blameLongText, checkPinText, pinSecrets, readVisuloxEnvironment, renderPinTemplate, unsetPlaceholders, type VisuloxPinEnvironment } from '../core/pin-text.js'
import { describeKannelRequest } from '../core/providers/kannel.js'
import { providerFor } from '../core/providers/index.js'
import { ENCODING_LABELS, type DescribedRequest, type ProviderReply, type SmsProvider, type TextEncoding } from '../core/providers/provider.js'
import { AuthError, CertificateError, ConfigError, GatewayRejectedError, GatewayUnavailableError, ProtocolError, SmsKannelError, TextTooLongError } from '../core/errors.js'
import { proxyPassword } from '../core/proxy-credentials.js'
import { canTryAgain, CONNECT_TIMEOUT_MS, INITIAL_BACKOFF_MS, nextBackoffMs } from '../core/retry-policy.js'
import type { Config } from '../core/config.js'
import type { SendRecord } from '../core/timeline.js'
import { ignoredFlagWarnings } from '../core/provider-flags.js'
import { insecureTlsWarning } from '../core/tls-warning.js'
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
  recordSend: (storePath: string, record: SendRecord, fileMode: number) => Promise<void>
}

export interface SendResult {
  outcome: SendOutcome | 'dry-run'
  messageId: string
  sequence: string | null
  to: string
  encoding: TextEncoding
  parts: number
  units: number
  method: 'GET' | 'POST'
  provider: SmsProvider['name']
  /** The provider's id for the message (SMS4.de's SMS id); null for Kannel. */
  providerId: string | null
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

export type { DescribedRequest }

/** Sends one PIN SMS: configuration, number, text, request, reply; nothing is ever resent. */
export async function send(input: SendInput, io: SendIo): Promise<SendResult> {
  const startedAt = io.now()
  const resolved = resolveConfig(input.sources)
  const { config } = resolved
  const provider = providerFor(resolved)
  const tlsWarning = insecureTlsWarning({ insecure: config.insecure, gatewayUrls: [...provider.endpoints] })
  if (tlsWarning) io.report.warn(tlsWarning)
  const vlx = readVisuloxEnvironment(input.env)
  const pins = pinSecrets(vlx)
  io.report.addSecrets(...provider.secrets, config.secret, proxyPassword(config.proxy), ...pins, ...pins.flatMap(provider.encodedForms))

  let to = normalisePhoneNumber(input.to ?? vlx.number ?? '', config.numberPattern)
  if (config.defaultCountry) to = toE164(to, config.defaultCountry, await io.loadNumberParser())
  io.report.verbose(`number: ${maskPhoneNumber(to)}`)

  const analysis = prepareSendText(provider, input.text, vlx, config.template, input.timeZone)
  const { text } = analysis
  io.report.verbose(`text: ${analysis.units} ${ENCODING_LABELS[analysis.encoding]} units, ${analysis.parts} part(s)`)
  // SMS4.de's sender is checked with its config; Kannel and HTTP gateways pass what SMSCs may cut.
  const warnings = [...ignoredFlagWarnings(input.sources, provider.name), ...provider.senderWarnings(), ...analysis.warnings, ...checkPinText(text, vlx)]
  if (input.text === undefined && vlx.text === undefined) {
    for (const name of unsetPlaceholders(config.template, vlx)) warnings.push(`smskannel.template uses \${${name}}, which is not set: the SMS has nothing there.`)
  }
  for (const warning of warnings) io.report.warn(warning)

  const sms = { to, text, encoding: analysis.encoding, messageId: input.messageId, sequence: vlx.sequence }
  // The dlr-url's token would let whoever reads this output forge this message's reports.
  if (config.secret !== undefined) io.report.addSecrets(callbackToken(config.secret, input.messageId, vlx.sequence ?? null))
  const request = provider.buildRequest(sms, provider.endpoints[0]!)
  const described = provider.describeRequest(request)
  io.report.verbose(`request: ${described.method} ${maskNumberIn(described.url, to)}`)
  const base = {
    messageId: input.messageId,
    sequence: vlx.sequence ?? null,
    to: maskPhoneNumber(to),
    encoding: analysis.encoding,
    parts: analysis.parts,
    units: analysis.units,
    method: request.method,
    provider: provider.name,
    gateway: new URL(request.url).host,
  }
  if (input.dryRun) {
    return { ...base, providerId: null, tries: 0, outcome: 'dry-run', httpStatus: null, reply: null, durationMs: Math.round(io.now() - startedAt), warnings, request: described }
  }

  const sentAt = io.wallClock().toISOString()
  const record = (outcome: string, gateway: string, providerId: string | null = null) =>
    config.storePath ? io.recordSend(config.storePath, { messageId: base.messageId, sequence: base.sequence, recipient: base.to, sentAt, outcome, gateway, provider: provider.name, providerId }, config.storeFileMode) : Promise.resolve()
  let delivered: Delivered
  try {
    delivered = await deliver(config, provider, (gatewayUrl) => provider.buildRequest(sms, gatewayUrl), to, io)
  } catch (error) {
    // report and check count a failed send as not sent only when the failure proves nothing went out.
    const unsure = provedNothingSent(error) ? '' : ', may have been sent'
    if (error instanceof SmsKannelError) await record(`failed (exit ${error.exitCode}${unsure})`, base.gateway)
    throw error
  }
  const classified = delivered.classified
  base.gateway = delivered.gateway
  await record(classified.outcome, delivered.gateway, classified.providerId)
  warnings.push(...delivered.skipped)
  for (const warning of classified.warnings) {
    warnings.push(warning)
    io.report.warn(warning)
  }
  if (classified.outcome === 'queued') {
    const queued = 'Kannel queued the SMS: no SMSC is connected, so it goes out when one connects. A bearerbox restart before then loses it unless kannel.conf has a message store (store-type = file, or store-file).'
    warnings.push(queued)
    io.report.warn(queued)
  }
  return { ...base, providerId: classified.providerId, tries: delivered.tries, outcome: classified.outcome, httpStatus: delivered.status, reply: classified.reply, durationMs: Math.round(io.now() - startedAt), warnings }
}

interface Delivered {
  classified: ProviderReply
  status: number
  gateway: string
  tries: number
  /** One per gateway skipped because its reply proved it is none (already shown on stderr). */
  skipped: string[]
}

/**
 * Tries the gateways in order within the one timeout, and again round after round, but only
 * while every failure proves nothing was sent: a PIN must never arrive twice. A gateway whose
 * reply proves it is none (404, not HTTP) is passed over while another is left.
 */
async function deliver(config: Config, provider: SmsProvider, requestFor: (gatewayUrl: string) => SendRequest, to: string, io: SendIo): Promise<Delivered> {
  // A reply that quotes the request shows the number masked, as everything else does.
  const http = redactingReplies(io.http(config), (text) => io.report.redact(maskNumberIn(text, to)))
  const deadline = io.now() + config.timeoutMs
  let tries = 0
  let backoffMs = INITIAL_BACKOFF_MS
  let lastError: GatewayUnavailableError | undefined
  const gaveUp = (error: GatewayUnavailableError) =>
    tries > 1 ? new GatewayUnavailableError(`${error.message} (gave up after ${tries} tries on ${provider.endpoints.length} gateway${provider.endpoints.length === 1 ? '' : 's'})`, { mayHaveBeenSent: error.mayHaveBeenSent, ...(error.hint ? { hint: error.hint } : {}) }) : error
  // Gateways that proved they took nothing (404, not HTTP, a certificate refused): skipped while another is left.
  const broken = new Set<string>()
  const skipped: string[] = []
  for (;;) {
    for (const gatewayUrl of provider.endpoints) {
      if (broken.has(gatewayUrl)) continue
      const remainingMs = deadline - io.now()
      if (remainingMs <= 0 && lastError) throw gaveUp(lastError)
      const request = requestFor(gatewayUrl)
      const gateway = new URL(request.url).host
      tries += 1
      try {
        const reply = await http.send(request, Math.max(1, remainingMs), { connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, Math.max(1, remainingMs)) })
        io.report.verbose(`reply from ${gateway}: HTTP ${reply.status} ${JSON.stringify(reply.body.slice(0, 200))}`)
        return { classified: provider.classifyReply(reply), status: reply.status, gateway, tries, skipped }
      } catch (error) {
        if ((error instanceof ProtocolError || error instanceof CertificateError) && error.nothingSent && broken.size + 1 < provider.endpoints.length) {
          broken.add(gatewayUrl)
          skipped.push(`${gateway} is not a working gateway and sent nothing, so the next one is tried: ${error.message}`)
          io.report.warn(skipped.at(-1)!)
          continue
        }
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

/**
 * Whether a failed send's error proves the gateway took nothing: unreachable before the request
 * was whole, credentials or the message refused, a reply that was no gateway's, a certificate
 * refused. A 2xx that did not confirm, a timeout after the request, an odd page: maybe sent.
 */
function provedNothingSent(error: unknown): boolean {
  if (error instanceof GatewayUnavailableError || error instanceof GatewayRejectedError) return !error.mayHaveBeenSent
  if (error instanceof ProtocolError || error instanceof CertificateError) return error.nothingSent
  return error instanceof AuthError || error instanceof ConfigError
}

/** Kannel's request as --dry-run and --verbose show it; each provider has its own describeRequest. */
export const describeRequest = describeKannelRequest

/** --text, VLXPIN_TEXT or the filled template, as the provider takes it; one too long that VISULOX's values made names the variable. */
function prepareSendText(provider: SmsProvider, flagText: string | undefined, vlx: VisuloxPinEnvironment, template: string, timeZone: () => string) {
  try {
    return provider.prepareText(flagText ?? vlx.text ?? renderPinTemplate(template, vlx, timeZone))
  } catch (error) {
    if (!(error instanceof TextTooLongError) || flagText !== undefined) throw error
    const fits = (text: string) => {
      try {
        provider.prepareText(text)
      } catch (refused) {
        return !(refused instanceof TextTooLongError)
      }
      return true
    }
    throw blameLongText(error, vlx.text === undefined ? template : undefined, vlx, timeZone, fits)
  }
}

/** The one line a person sees on success; PINs are filtered out by the reporter anyway. */
export function summariseSend(result: SendResult): string {
  const encoding = ENCODING_LABELS[result.encoding]
  const what = `SMS to ${result.to} (${result.parts} part${result.parts === 1 ? '' : 's'}, ${encoding}) via ${result.gateway}`
  if (result.outcome === 'dry-run') return `dry run: would send ${what}; nothing sent`
  const seq = result.sequence ? `, sequence ${result.sequence}` : ''
  const providerId = result.providerId ? `, ${result.provider} id ${result.providerId}` : ''
  return `${result.outcome === 'queued' ? 'queued' : 'accepted'}: ${what}, message id ${result.messageId}${seq}${providerId}`
}
