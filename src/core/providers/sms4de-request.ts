import { InputError } from '../errors.js'
import type { SendRequest } from '../kannel-request.js'
import { maskPhoneNumber } from '../phone-number.js'
import { REDACTED } from '../redact.js'
import type { DescribedRequest, ProviderSms } from './provider.js'
import type { Sms4deSettings } from './sms4de-config.js'
import { encodeLatin9, percentEncodeBytes, toUcs2Hex } from './sms4de-text.js'

/** SMS4.de's manual: country code and number, no +, no leading 00 (491743333333). */
const HANDYNR = /^[1-9][0-9]{6,14}$/
const FORM = 'application/x-www-form-urlencoded'

/**
 * The number as SMS4.de's `handynr` wants it: country code first, no + or 00.
 * @example formatHandynr('+491701234567') === '491701234567'
 */
export function formatHandynr(number: string): string {
  const digits = number.replace(/^\+/, '')
  if (!number.startsWith('+') && number.startsWith('0')) {
    throw new InputError(
      `The phone number ${maskPhoneNumber(number)} has no country code; SMS4.de needs one.`,
      'Write it as +49 170 1234567, or set smskannel.country (e.g. DE) so national numbers get one.',
    )
  }
  if (!HANDYNR.test(digits)) {
    throw new InputError(`The phone number ${maskPhoneNumber(number)} is not one SMS4.de takes: 7 to 15 digits with the country code first.`, 'Check the user\'s SMS number.')
  }
  return digits
}

/** Every field encoded as ISO-8859-15, as SMS4.de reads them; settings were checked to fit. */
function encodeFields(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([name, value]) => `${name}=${percentEncodeBytes(encodeLatin9(value) ?? new Uint8Array())}`).join('&')
}

/** POST puts the fields in the body, so the password is in no URL, proxy log or server log. */
function formRequest(method: Sms4deSettings['method'], url: string, body: string): SendRequest {
  if (method === 'get') return { method: 'GET', url: `${url}?${body}`, headers: {}, body: undefined }
  return { method: 'POST', url, headers: { 'content-type': FORM }, body }
}

function credentials(settings: Sms4deSettings): Array<[string, string]> {
  return [['user', settings.user], ['pwd', settings.password], ['kdnr', settings.kdnr]]
}

/**
 * One SMS for sms_out.pl: ISO-8859-15 text percent-encoded, or `kodierung=ucs` and the text
 * as UCS-2 hex; `v=1` asks for the SMS id that feedback --poll needs.
 */
export function buildSms4deSendRequest(settings: Sms4deSettings, sms: Pick<ProviderSms, 'to' | 'text' | 'encoding'>, url = settings.sendUrl): SendRequest {
  const fields: Array<[string, string]> = [['handynr', formatHandynr(sms.to)], ...credentials(settings)]
  if (settings.sender !== undefined) fields.push(['absender', settings.sender])
  if (settings.tarif !== undefined) fields.push(['tarif', settings.tarif])
  fields.push(['v', '1'])
  let body = encodeFields(fields)
  if (sms.encoding === 'iso-8859-15') {
    const bytes = encodeLatin9(sms.text)
    if (!bytes) throw new InputError('The text has characters ISO-8859-15 lacks.')
    body += `&text=${percentEncodeBytes(bytes)}`
  } else {
    body += `&kodierung=ucs&text=${toUcs2Hex(sms.text)}`
  }
  return formRequest(settings.method, url, body)
}

/** The balance query: proves user, password and customer number without sending. */
export function buildSms4deCheckRequest(settings: Sms4deSettings): SendRequest {
  return formRequest(settings.method, settings.checkUrl, encodeFields(credentials(settings)))
}

/** GET .../dlr/KDNR/ID1,ID2: the manual's REST call, which takes no password. */
export function buildSms4deDlrRequest(settings: Sms4deSettings, smsIds: readonly string[]): SendRequest {
  const path = `${encodeURIComponent(settings.kdnr)}/${smsIds.map(encodeURIComponent).join(',')}`
  return { method: 'GET', url: `${settings.dlrUrl}/${path}`, headers: { accept: 'application/json' }, body: undefined }
}

/** The request with `pwd` replaced, in the URL (GET) or the body (POST). */
export function describeSms4deRequest(request: SendRequest): DescribedRequest {
  const hidePassword = (form: string) => form.replace(/(^|&)pwd=[^&]*/, `$1pwd=${REDACTED}`)
  const question = request.url.indexOf('?')
  const url = question === -1 ? request.url : `${request.url.slice(0, question)}?${hidePassword(request.url.slice(question + 1))}`
  return { method: request.method, url, headers: { ...request.headers }, body: request.body === undefined ? null : hidePassword(request.body) }
}
