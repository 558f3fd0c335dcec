import type { DlrStatus } from './dlr.js'
import { truncateForMessage } from './redact.js'
import { hideReceiptText, parseSmscReply } from './smsc-reply.js'

const NACK_WITH_CODE = /^NACK\/(\d+)\/(.*)$/s
const RECEIPT_STAT = /(?:^| )stat:(\S*)/
const RECEIPT_ERR = /(?:^| )err:(\S*)/

/**
 * Why a PIN failed, as one line to group failures by: the SMSC's NACK code and text, or the
 * stat and err of its receipt. Only the fields it needs are picked out: a report over a
 * month may word thousands of failures.
 * @example failureReason('rejected', 'NACK/no SMSC') === 'NACK: no SMSC'
 */
export function failureReason(status: DlrStatus, smscReply: string | null): string {
  const fallback = status === 'rejected' ? 'rejected by the SMSC, no reason given' : 'not delivered, no reason given'
  const reply = smscReply ?? ''
  let reason = fallback
  if (reply.startsWith('NACK/')) {
    const coded = NACK_WITH_CODE.exec(reply)
    reason = coded ? `NACK ${coded[1]}: ${coded[2] || 'no text'}` : `NACK: ${reply.slice(5) || 'no text'}`
  } else if (reply.startsWith('id:') && RECEIPT_STAT.test(reply)) {
    const stat = RECEIPT_STAT.exec(reply)![1]
    const err = RECEIPT_ERR.exec(reply)?.[1]
    reason = [stat ? `stat ${stat}` : undefined, err ? `err ${err}` : undefined].filter(Boolean).join(', ') || fallback
  } else if (reply !== '' && !reply.startsWith('ACK/')) {
    // A receipt in another layout (`SMSAlert^id:…`): its stat and err, never its text (the PIN).
    const parsed = parseSmscReply(reply)
    const receipt = parsed.kind === 'receipt' ? [parsed.stat ? `stat ${parsed.stat}` : undefined, parsed.err ? `err ${parsed.err}` : undefined].filter(Boolean).join(', ') : ''
    reason = parsed.kind === 'receipt' ? receipt || fallback : hideReceiptText(reply)
  }
  // Reports are hostile input: no control characters (terminal escapes), bounded length.
  return truncateForMessage(reason, 80)
}
