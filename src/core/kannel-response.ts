import { AuthError, GatewayRejectedError, GatewayUnavailableError, ProtocolError } from './errors.js'
import { truncateForMessage } from './redact.js'

/** What came back from the gateway; only the status code counts, never the phrase ("503 Foo"). */
export interface GatewayReply {
  status: number
  /** The Server header: "Kannel/1.4.5" on every smsbox reply. */
  server: string | undefined
  body: string
}

export type SendOutcome = 'accepted' | 'queued'

export interface ClassifiedReply {
  outcome: SendOutcome
  reply: string
}

/** Bodies of a 202, the only status that means accepted (docs/kannel.md §2). */
const ACCEPTED = /^0:/
const QUEUED = /^3:/
/** With `immediate-sendsms-reply = true` smsbox answers before bearerbox has the message. */
const IMMEDIATE_REPLY = /^Sent\./
const AUTH_FAILED = /^Authorization failed/
const NOT_ROUTABLE = /^Not routable/

function looksLikeKannel(reply: GatewayReply): boolean {
  return /^Kannel\b/i.test(reply.server ?? '')
}

function describe(reply: GatewayReply): string {
  const body = reply.body.trim()
  return `HTTP ${reply.status}${body ? `: ${truncateForMessage(body)}` : ''}`
}

/**
 * Turns a sendsms reply into an outcome, or the error whose exit code tells the wrapper
 * what to do. Follows the replies in docs/kannel.md §2.
 */
export function classifySendResponse(reply: GatewayReply): ClassifiedReply {
  const body = reply.body.trim()
  const kannel = looksLikeKannel(reply)

  if (reply.status === 202) {
    if (ACCEPTED.test(body)) return { outcome: 'accepted', reply: body }
    if (QUEUED.test(body)) return { outcome: 'queued', reply: body }
    if (IMMEDIATE_REPLY.test(body)) return { outcome: 'accepted', reply: body }
    if (kannel) return { outcome: 'accepted', reply: body }
  }
  if (reply.status === 403 && AUTH_FAILED.test(body)) {
    throw new AuthError(
      'Kannel refused the credentials: Authorization failed for sendsms.',
      'Check smskannel.user and smskannel.password against the sendsms-user group in kannel.conf (and its user-allow-ip).',
    )
  }
  if (reply.status === 403 && NOT_ROUTABLE.test(body)) {
    throw new GatewayRejectedError(
      'Kannel cannot route this number to any SMSC: Not routable. Do not try again.',
      'Check the SMSC\'s allowed-prefix / denied-prefix in kannel.conf.',
    )
  }
  if (reply.status === 503) {
    throw new GatewayUnavailableError(`Kannel is busy (${describe(reply)}); its queue is full.`, {
      mayHaveBeenSent: false,
      hint: 'Try again later; check that the SMSC is connected (bearerbox status page).',
    })
  }
  if (reply.status === 429) {
    // Kannel never answers 429; a rate limit in front of it (nginx limit_req) refuses before passing the request on.
    throw new GatewayUnavailableError(`The gateway is rate-limiting (${describe(reply)}); nothing was sent.`, {
      mayHaveBeenSent: false,
      hint: 'Try again later; check the rate limit in front of smsbox.',
    })
  }
  if (reply.status === 404 && kannel) {
    throw new ProtocolError(`Kannel does not know this path (${describe(reply)}).`, 'smskannel.postquery should be /cgi-bin/sendsms.', { nothingSent: true })
  }
  if (kannel && (reply.status === 400 || reply.status === 403 || reply.status === 415)) {
    throw new GatewayRejectedError(`Kannel rejected the message (${describe(reply)}).`, hintForRejection(body))
  }
  if (reply.status === 502 || reply.status === 504) {
    // A proxy may have passed the request on before it failed: not provably unsent.
    throw new GatewayUnavailableError(`A proxy in front of Kannel could not reach it (${describe(reply)}).`, {
      mayHaveBeenSent: true,
      hint: 'Try again later; check that smsbox is running.',
    })
  }
  if (reply.status >= 500) throw serverFailed(reply, { mayHaveBeenSent: true })
  throw new ProtocolError(
    `The gateway's reply is not Kannel's (${describe(reply)}${kannel ? '' : `, server ${truncateForMessage(reply.server ?? 'unnamed', 40)}`}).`,
    'Check smskannel.gwurl and smskannel.postquery: they should point at the smsbox sendsms port.',
    // A redirect or a client error (404, 405, ...) refuses the request; an odd 2xx might have passed it on.
    { nothingSent: reply.status >= 300 && reply.status < 500 && reply.status !== 408 },
  )
}

/**
 * Any other 5xx, an HTML error page included, is a server at that URL saying it failed: a
 * state that passes (exit 75), not proof of a wrong URL (76). send and config --check agree.
 */
function serverFailed(reply: GatewayReply, options: { mayHaveBeenSent: boolean }): GatewayUnavailableError {
  return new GatewayUnavailableError(`The gateway failed (${describe(reply)}).`, {
    mayHaveBeenSent: options.mayHaveBeenSent,
    hint: 'Kannel itself never answers this; check what listens at smskannel.gwurl, and try again later.',
  })
}

function hintForRejection(body: string): string {
  if (/^Sender missing/.test(body)) return 'Set smskannel.sender, or global-sender in kannel.conf.'
  if (/denied by white- and\/or black-lists/.test(body)) return 'Kannel refused the number (allowed-prefix / denied-prefix, or characters it does not take).'
  if (/DLR-URL|DLR-Mask/.test(body)) return 'Check smskannel.feedbackurl and smskannel.dlrmask.'
  return 'Kannel explains why after "rejected"; fix the setting it names.'
}

export type CheckOutcome = 'ok'

/** A check request (no recipient) must get "missing receiver" from a Kannel smsbox. */
export function classifyCheckResponse(reply: GatewayReply): CheckOutcome {
  const body = reply.body.trim()
  if (reply.status === 400 && /^Missing receiver/.test(body) && looksLikeKannel(reply)) return 'ok'
  if (reply.status === 403 && AUTH_FAILED.test(body)) {
    throw new AuthError('Kannel refused the credentials: Authorization failed for sendsms.', 'Check smskannel.user and smskannel.password against the sendsms-user group in kannel.conf (and its user-allow-ip).')
  }
  if (reply.status === 503 || reply.status === 502 || reply.status === 504 || reply.status === 429) {
    throw new GatewayUnavailableError(`The gateway is not available (${describe(reply)}).`, { mayHaveBeenSent: false })
  }
  if (reply.status >= 500) throw serverFailed(reply, { mayHaveBeenSent: false })
  throw new ProtocolError(
    `The gateway's reply is not a Kannel smsbox's (${describe(reply)}, server ${truncateForMessage(reply.server ?? 'unnamed', 40)}).`,
    'Check smskannel.gwurl and smskannel.postquery: they should point at the smsbox sendsms port.',
  )
}
