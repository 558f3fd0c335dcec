import { parseSmscReply, type DlrStatus } from './dlr.js'
import { truncateForMessage } from './redact.js'

/**
 * Why a PIN failed, as one line to group failures by: the SMSC's NACK code and text, or the
 * stat and err of its receipt. The one place that turns a failure into words, so the
 * meanings of SMPP status codes can be added here.
 * @example failureReason('rejected', 'NACK/no SMSC') === 'NACK: no SMSC'
 */
export function failureReason(status: DlrStatus, smscReply: string | null): string {
  const reply = smscReply === null || smscReply === '' ? null : parseSmscReply(smscReply)
  const fallback = status === 'rejected' ? 'rejected by the SMSC, no reason given' : 'not delivered, no reason given'
  let reason: string
  switch (reply?.kind) {
    case 'nack':
      reason = reply.code === null ? `NACK: ${reply.text || 'no text'}` : `NACK ${reply.code}: ${reply.text || 'no text'}`
      break
    case 'receipt':
      reason = [reply.stat ? `stat ${reply.stat}` : undefined, reply.err ? `err ${reply.err}` : undefined].filter(Boolean).join(', ') || fallback
      break
    case 'ack':
      reason = fallback
      break
    case 'other':
      reason = reply.raw
      break
    default:
      reason = fallback
  }
  // Reports are hostile input: no control characters (terminal escapes), bounded length.
  return truncateForMessage(reason, 80)
}
