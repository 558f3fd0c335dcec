import { invalid, parseHttpUrl, parseTimeZoneKey, required, type ConfigKey, type SourceValues } from '../config.js'
import { hasControlCharacters } from '../control-chars.js'
import { encodeLatin9 } from './sms4de-text.js'

/** The sms4de.* keys, checked: what a send, a balance query and a poll need. */
export interface Sms4deSettings {
  user: string
  password: string
  kdnr: string
  /** As sent in `absender`: a leading + written as " +", as SMS4.de's manual asks. */
  sender: string | undefined
  tarif: '1' | '7' | undefined
  method: 'get' | 'post'
  sendUrl: string
  checkUrl: string
  dlrUrl: string
  minBalanceEuro: number
  /** The zone SMS4.de's report dateTime (no offset) is read in. */
  timeZone: string
}

/** SMS4.de's manual: 6-11 letters and digits without special characters, or 6-14 digits. */
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9]{6,11}$/
const NUMERIC_SENDER = /^\+?[0-9]{6,14}$/

/** Reads and checks the sms4de.* keys; throws ConfigError naming the key and where to set it. */
export function resolveSms4deSettings(values: SourceValues): Sms4deSettings {
  const text = (key: ConfigKey) => {
    const sourced = required(values, key)
    if (hasControlCharacters(sourced.value)) throw invalid(key, sourced, 'contains control characters (a stray newline?).')
    // SMS4.de reads every parameter as ISO-8859-15.
    if (encodeLatin9(sourced.value) === undefined) throw invalid(key, sourced, 'has characters ISO-8859-15 lacks; SMS4.de could not read it.')
    return sourced.value
  }
  const user = text('sms4de.user').trim()
  const password = text('sms4de.password')
  const kdnr = text('sms4de.kdnr').trim()
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(kdnr)) throw invalid('sms4de.kdnr', required(values, 'sms4de.kdnr'), 'must be the customer number: letters and digits, no spaces.')

  const senderValue = values['sms4de.sender']
  const sender = senderValue?.value.trim()
  if (senderValue && sender !== undefined && !ALPHANUMERIC_SENDER.test(sender) && !NUMERIC_SENDER.test(sender)) {
    throw invalid('sms4de.sender', senderValue, 'must be 6-11 letters and digits without spaces or special characters, or 6-14 digits (optionally with a leading +); SMS4.de refuses anything else.')
  }

  const tarifValue = values['sms4de.tarif']
  const tarif = tarifValue?.value.trim()
  if (tarif !== undefined && tarif !== '1' && tarif !== '7') throw invalid('sms4de.tarif', tarifValue!, 'must be 1 or 7.')

  const methodValue = required(values, 'sms4de.method')
  const method = methodValue.value.trim().toLowerCase()
  if (method !== 'get' && method !== 'post') throw invalid('sms4de.method', methodValue, 'must be post or get.')

  const minBalanceValue = required(values, 'sms4de.minbalance')
  const minBalanceEuro = Number(minBalanceValue.value.trim().replace(',', '.'))
  if (!/^\d{1,6}([.,]\d{1,2})?$/.test(minBalanceValue.value.trim()) || !Number.isFinite(minBalanceEuro)) {
    throw invalid('sms4de.minbalance', minBalanceValue, 'must be an amount in Euro such as 5 or 12.50.')
  }

  const timeZone = parseTimeZoneKey('sms4de.timezone', required(values, 'sms4de.timezone'))!

  return {
    user,
    password,
    kdnr,
    sender: sender?.startsWith('+') ? ` ${sender}` : sender,
    tarif,
    method,
    sendUrl: endpointUrl(values, 'sms4de.url'),
    checkUrl: endpointUrl(values, 'sms4de.checkurl'),
    dlrUrl: endpointUrl(values, 'sms4de.dlrurl').replace(/\/+$/, ''),
    minBalanceEuro,
    timeZone,
  }
}

function endpointUrl(values: SourceValues, key: ConfigKey): string {
  const sourced = required(values, key)
  const url = parseHttpUrl(key, sourced)
  if (url.search || url.hash) throw invalid(key, sourced, 'must not have a query or fragment.')
  return url.href
}
