import { checkEach, invalid, parseHttpUrl, parseTimeZoneKey, required, type ConfigKey, type SourceValues } from '../config.js'
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

/** Reads and checks the sms4de.* keys; throws ConfigError naming the first bad key, the others attached. */
export function resolveSms4deSettings(values: SourceValues): Sms4deSettings {
  const keys = checkEach()
  const text = (key: ConfigKey) => {
    const sourced = required(values, key)
    if (hasControlCharacters(sourced.value)) throw invalid(key, sourced, 'contains control characters (a stray newline?).')
    // SMS4.de reads every parameter as ISO-8859-15.
    if (encodeLatin9(sourced.value) === undefined) throw invalid(key, sourced, 'has characters ISO-8859-15 lacks; SMS4.de could not read it.')
    return sourced.value
  }
  const user = keys.check(() => text('sms4de.user').trim())
  const password = keys.check(() => text('sms4de.password'))
  const kdnr = keys.check(() => {
    const kdnr = text('sms4de.kdnr').trim()
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kdnr)) throw invalid('sms4de.kdnr', required(values, 'sms4de.kdnr'), 'must be the customer number: letters and digits, no spaces.')
    return kdnr
  })

  const sender = keys.check(() => {
    const senderValue = values['sms4de.sender']
    const sender = senderValue?.value.trim()
    if (senderValue && sender !== undefined && !ALPHANUMERIC_SENDER.test(sender) && !NUMERIC_SENDER.test(sender)) {
      throw invalid('sms4de.sender', senderValue, 'must be 6-11 letters and digits without spaces or special characters, or 6-14 digits (optionally with a leading +); SMS4.de refuses anything else.')
    }
    return sender
  })

  const tarif = keys.check(() => {
    const tarifValue = values['sms4de.tarif']
    const tarif = tarifValue?.value.trim()
    if (tarif !== undefined && tarif !== '1' && tarif !== '7') throw invalid('sms4de.tarif', tarifValue!, 'must be 1 or 7.')
    return tarif
  })

  const method = keys.check(() => {
    const methodValue = required(values, 'sms4de.method')
    const method = methodValue.value.trim().toLowerCase()
    if (method !== 'get' && method !== 'post') throw invalid('sms4de.method', methodValue, 'must be post or get.')
    return method
  })

  const minBalanceEuro = keys.check(() => {
    const minBalanceValue = required(values, 'sms4de.minbalance')
    const minBalanceEuro = Number(minBalanceValue.value.trim().replace(',', '.'))
    if (!/^\d{1,6}([.,]\d{1,2})?$/.test(minBalanceValue.value.trim()) || !Number.isFinite(minBalanceEuro)) {
      throw invalid('sms4de.minbalance', minBalanceValue, 'must be an amount in Euro such as 5 or 12.50.')
    }
    return minBalanceEuro
  })

  const timeZone = keys.check(() => parseTimeZoneKey('sms4de.timezone', required(values, 'sms4de.timezone'))!)
  const sendUrl = keys.check(() => endpointUrl(values, 'sms4de.url'))
  const checkUrl = keys.check(() => endpointUrl(values, 'sms4de.checkurl'))
  const dlrUrl = keys.check(() => endpointUrl(values, 'sms4de.dlrurl').replace(/\/+$/, ''))
  keys.done()

  return {
    user: user!,
    password: password!,
    kdnr: kdnr!,
    sender: sender?.startsWith('+') ? ` ${sender}` : sender,
    tarif: tarif as Sms4deSettings['tarif'],
    method: method!,
    sendUrl: sendUrl!,
    checkUrl: checkUrl!,
    dlrUrl: dlrUrl!,
    minBalanceEuro: minBalanceEuro!,
    timeZone: timeZone!,
  }
}

function endpointUrl(values: SourceValues, key: ConfigKey): string {
  const sourced = required(values, key)
  const url = parseHttpUrl(key, sourced)
  if (url.search || url.hash) throw invalid(key, sourced, 'must not have a query or fragment.')
  return url.href
}
