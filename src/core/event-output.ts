import type { DeliveryEvent } from './dlr.js'
import { DLR_PARAMS } from './kannel-request.js'
import { REDACTED, redactSecrets } from './redact.js'
import { withoutReceiptText } from './smsc-reply.js'

/**
 * A delivery event as it is printed: a receipt's `text:` (the message's first characters,
 * the PIN) hidden in `smscReply` and in `raw`, and so is the callback token in `raw`. The store keeps `raw` as received, since
 * --forward passes it on to VISULOX byte for byte.
 */
export function eventForOutput(stored: DeliveryEvent): DeliveryEvent {
  const event = withoutCallbackToken(stored)
  const reply = event.smscReply
  const shown = reply && withoutReceiptText(reply)
  if (!reply || !shown || shown === reply) return event
  // A raw that holds the reply in a way not foreseen still loses the text, in any encoding.
  const raw = rawWithReply(event, reply.raw, shown.raw) ?? redactSecrets(event.raw, [hiddenPart(reply.raw, shown.raw)])
  return { ...event, smscReply: shown, raw }
}

/** What hideReceiptText replaced: `shown` is `raw` with one stretch swapped for ********. */
function hiddenPart(raw: string, shown: string): string {
  let start = 0
  while (start < raw.length && raw[start] === shown[start]) start++
  // A text that starts with `*` matches into the stars: step back to where they begin.
  while (start > 0 && !shown.startsWith(REDACTED, start)) start--
  return raw.slice(start, raw.length - (shown.length - start - REDACTED.length))
}

/** `text:` as it stands in a query: as is, or with the colon encoded (either hex case). */
const MAY_HOLD_TEXT = /text(?::|%3a)/i

/** `raw` with the reply replaced where it stands: a query parameter, or a bearerbox line's [msg:…]. */
function rawWithReply(event: DeliveryEvent, reply: string, shown: string): string | undefined {
  if (event.rawFormat === 'query') {
    let found = false
    const pairs = event.raw.split('&').map((pair) => {
      const equals = pair.indexOf('=')
      // Decoding every pair would double feedback's time per receipt; only the reply holds `text:`.
      if (equals === -1 || !MAY_HOLD_TEXT.test(pair) || new URLSearchParams(`v=${pair.slice(equals + 1)}`).get('v') !== reply) return pair
      found = true
      return `${pair.slice(0, equals)}=${encodeURIComponent(shown)}`
    })
    return found ? pairs.join('&') : undefined
  }
  if (event.rawFormat === 'bearerbox-log') {
    const at = event.raw.lastIndexOf(`:${reply}] [udh:`)
    return at === -1 ? undefined : `${event.raw.slice(0, at + 1)}${shown}${event.raw.slice(at + 1 + reply.length)}`
  }
  return undefined
}

/** The dlr-url's token (32 hex digits), wherever raw carries it: a query, a log line's URL, [dlr-url:…]. */
const CALLBACK_TOKEN = new RegExp(`([?&]${DLR_PARAMS.token}=)[0-9a-fA-F]{32}(?![0-9a-fA-F])`, 'g')

function withoutCallbackToken(event: DeliveryEvent): DeliveryEvent {
  CALLBACK_TOKEN.lastIndex = 0
  return CALLBACK_TOKEN.test(event.raw) ? { ...event, raw: event.raw.replace(CALLBACK_TOKEN, `$1${REDACTED}`) } : event
}
