import { analyseText } from './sms-text.js'

/** GSM 03.40: an alphanumeric originator holds 11 characters, a numeric one 20 digits. */
const ALPHANUMERIC_SENDER_KEPT = 11
const NUMERIC_SENDER_KEPT = 20
const NUMERIC_SENDER = /^\+?[0-9]+$/

/**
 * What an SMSC may do to a sender that Kannel (or an HTTP gateway) accepts as it is
 * (docs/kannel.md §3): never an error, since the old script sent it and a refused sender
 * blocks every PIN. `key` names the setting, `passedOn` says who sends it unchanged.
 * @example senderWarnings('VISULOX RA 2FA PIN') → ['smskannel.sender "VISULOX RA 2FA PIN" is 18 characters; …']
 */
export function senderWarnings(sender: string | undefined, key = 'smskannel.sender', passedOn = 'Kannel sends it as configured.'): string[] {
  if (sender === undefined || sender === '') return []
  const warnings: string[] = []
  const numeric = NUMERIC_SENDER.test(sender)
  const digits = sender.replace(/^\+/, '').length
  const characters = [...sender]
  if (numeric && digits > NUMERIC_SENDER_KEPT) {
    warnings.push(`${key} "${sender}" has ${digits} digits; SMSCs commonly keep ${NUMERIC_SENDER_KEPT}, so phones may show "${sender.slice(0, sender.length - digits + NUMERIC_SENDER_KEPT)}". ${passedOn}`)
  }
  if (!numeric && characters.length > ALPHANUMERIC_SENDER_KEPT) {
    warnings.push(`${key} "${sender}" is ${characters.length} characters; SMSCs commonly keep ${ALPHANUMERIC_SENDER_KEPT} of a sender with letters, so phones may show "${characters.slice(0, ALPHANUMERIC_SENDER_KEPT).join('')}". ${passedOn}`)
  }
  const nonGsm = analyseText(sender).nonGsmCharacters
  if (!numeric && nonGsm.length > 0) {
    warnings.push(`${key} "${sender}" has characters outside the GSM alphabet (${nonGsm.join(' ')}), which SMSCs replace or drop. ${passedOn}`)
  }
  return warnings
}
