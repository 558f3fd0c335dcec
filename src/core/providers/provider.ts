import type { ProviderName } from '../config.js'
import type { DeliveryEvent } from '../dlr.js'
import type { SendRequest } from '../kannel-request.js'
import type { GatewayReply, SendOutcome } from '../kannel-response.js'
import type { SmsEncoding } from '../sms-text.js'

/**
 * One SMS provider, as `send`, `config --check` and `feedback --poll` see it. Everything
 * here is pure: the shell does the HTTP, the store and the clock. Kannel, SMS4.de and any
 * later provider implement it; nothing outside src/core/providers/ knows their differences.
 */
export interface SmsProvider {
  readonly name: ProviderName
  /** How people know it: "Kannel", "SMS4.de". */
  readonly label: string
  /** Where sends go, tried in order while each failure proves nothing was sent. */
  readonly endpoints: readonly string[]
  /** This provider's secrets (passwords), for the output filter. */
  readonly secrets: ReadonlyArray<string | undefined>
  /** Further forms a secret (the PIN) takes in this provider's requests, for the output filter. */
  encodedForms(secret: string): string[]
  /** What an SMSC may do to the configured sender (cut it, replace letters): warnings, at send and in config. */
  senderWarnings(): string[]
  /** Cleans and checks the text; refuses (InputError) what the provider would cut or mangle. */
  prepareText(raw: string): PreparedText
  /** The request for one SMS; throws InputError for a number the provider cannot take. */
  buildRequest(sms: ProviderSms, endpoint: string): SendRequest
  /** The request as --dry-run and --verbose show it: passwords replaced. */
  describeRequest(request: SendRequest): DescribedRequest
  /** Accepted (with the provider's id, if any), or the error whose exit code tells the wrapper what to do. */
  classifyReply(reply: GatewayReply): ProviderReply
  /** Requests that prove the endpoints and credentials without sending anything. */
  checkRequests(): ProviderCheckRequest[]
  classifyCheck(reply: GatewayReply, check: ProviderCheckRequest): ProviderCheckResult
  /** What config --check can prove without the network (the generic provider's templates). */
  offlineChecks?(): ProviderCheckResult[]
  /** Present when the provider answers questions about sent messages (feedback --poll). */
  readonly polling?: DeliveryPolling
}

/** How timelines name who sent a message. */
export const PROVIDER_LABELS: Readonly<Record<ProviderName, string>> = { kannel: 'Kannel', sms4de: 'SMS4.de', http: 'the HTTP gateway' }

export type TextEncoding = SmsEncoding | 'iso-8859-15'

export const ENCODING_LABELS: Readonly<Record<TextEncoding, string>> = { gsm7: 'GSM 7-bit', ucs2: 'UCS-2', 'iso-8859-15': 'ISO-8859-15' }

export interface PreparedText {
  text: string
  encoding: TextEncoding
  /** In the encoding's own units: septets, UTF-16 code units, or ISO-8859-15 characters. */
  units: number
  parts: number
  warnings: string[]
}

export interface ProviderSms {
  to: string
  text: string
  encoding: TextEncoding
  messageId: string
  sequence: string | undefined
}

export interface DescribedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
}

export interface ProviderReply {
  outcome: SendOutcome
  reply: string
  /** The provider's own id for the message (SMS4.de's SMS id), stored with the send. */
  providerId: string | null
  warnings: string[]
}

export interface ProviderCheckRequest {
  /** What is being checked, for messages: an endpoint URL without credentials. */
  target: string
  request: SendRequest
}

export interface ProviderCheckResult {
  /** The line a person reads on success. */
  summary: string
  warnings: string[]
  /** Facts the check learnt, for --json (SMS4.de's balance). */
  details?: Record<string, string | number>
}

/** A send the store holds without a final report, as polling needs it. */
export interface AwaitedSend {
  messageId: string
  sequence: string | null
  providerId: string
}

/** Asking the provider about sent messages, many per request. */
export interface DeliveryPolling {
  readonly maxIdsPerRequest: number
  buildRequest(providerIds: readonly string[]): SendRequest
  /** Events for the sends it knows; the ids it does not know; entries it could not read. */
  parseReply(reply: GatewayReply, sends: readonly AwaitedSend[], receivedAt: Date): PollAnswer
}

export interface PollAnswer {
  events: DeliveryEvent[]
  unknownIds: string[]
  warnings: string[]
}
