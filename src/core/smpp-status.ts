/** An SMPP command_status, as an SMSC answers a submit_sm, with its name and what it means. */
export interface SmppStatus {
  /** The numeric command_status. */
  value: number
  /** `0x0000000b`: how Kannel writes it since 1.4.4. */
  hex: string
  /** `ESME_RINVDSTADR`, or null for a reserved or vendor-specific code. */
  name: string | null
  /** In plain English, for an admin: "invalid destination address". */
  meaning: string
}

/** SMPP 3.4 section 5.1.3, plus the codes SMPP 5.0 added that SMSCs also answer 3.4 clients with. */
const COMMAND_STATUS: ReadonlyMap<number, readonly [name: string, meaning: string]> = new Map([
  [0x00, ['ESME_ROK', 'no error']],
  [0x01, ['ESME_RINVMSGLEN', 'message length is invalid']],
  [0x02, ['ESME_RINVCMDLEN', 'command length is invalid']],
  [0x03, ['ESME_RINVCMDID', 'invalid command id']],
  [0x04, ['ESME_RINVBNDSTS', 'wrong bind state for this command']],
  [0x05, ['ESME_RALYBND', 'already bound']],
  [0x06, ['ESME_RINVPRTFLG', 'invalid priority flag']],
  [0x07, ['ESME_RINVREGDLVFLG', 'invalid registered-delivery flag']],
  [0x08, ['ESME_RSYSERR', 'system error at the SMSC']],
  [0x0a, ['ESME_RINVSRCADR', 'invalid source address (sender)']],
  [0x0b, ['ESME_RINVDSTADR', 'invalid destination address']],
  [0x0c, ['ESME_RINVMSGID', 'invalid message id']],
  [0x0d, ['ESME_RBINDFAIL', 'bind failed']],
  [0x0e, ['ESME_RINVPASWD', 'invalid password']],
  [0x0f, ['ESME_RINVSYSID', 'invalid system id']],
  [0x11, ['ESME_RCANCELFAIL', 'cancel failed']],
  [0x13, ['ESME_RREPLACEFAIL', 'replace failed']],
  [0x14, ['ESME_RMSGQFUL', 'message queue full at the SMSC']],
  [0x15, ['ESME_RINVSERTYP', 'invalid service type']],
  [0x33, ['ESME_RINVNUMDESTS', 'invalid number of destinations']],
  [0x34, ['ESME_RINVDLNAME', 'invalid distribution list name']],
  [0x40, ['ESME_RINVDESTFLAG', 'invalid destination flag']],
  [0x42, ['ESME_RINVSUBREP', "invalid 'submit with replace' request"]],
  [0x43, ['ESME_RINVESMCLASS', 'invalid esm_class']],
  [0x44, ['ESME_RCNTSUBDL', 'cannot submit to a distribution list']],
  [0x45, ['ESME_RSUBMITFAIL', 'submit failed']],
  [0x48, ['ESME_RINVSRCTON', 'invalid source address type of number']],
  [0x49, ['ESME_RINVSRCNPI', 'invalid source address numbering plan']],
  [0x50, ['ESME_RINVDSTTON', 'invalid destination address type of number']],
  [0x51, ['ESME_RINVDSTNPI', 'invalid destination address numbering plan']],
  [0x53, ['ESME_RINVSYSTYP', 'invalid system type']],
  [0x54, ['ESME_RINVREPFLAG', 'invalid replace-if-present flag']],
  [0x55, ['ESME_RINVNUMMSGS', 'invalid number of messages']],
  [0x58, ['ESME_RTHROTTLED', 'throttled: sent faster than the SMSC allows']],
  [0x61, ['ESME_RINVSCHED', 'invalid scheduled delivery time']],
  [0x62, ['ESME_RINVEXPIRY', 'invalid validity period']],
  [0x63, ['ESME_RINVDFTMSGID', 'predefined message invalid or not found']],
  [0x64, ['ESME_RX_T_APPN', 'temporary application error at the receiver']],
  [0x65, ['ESME_RX_P_APPN', 'permanent application error at the receiver']],
  [0x66, ['ESME_RX_R_APPN', 'the receiver rejected the message']],
  [0x67, ['ESME_RQUERYFAIL', 'query failed']],
  [0xc0, ['ESME_RINVOPTPARSTREAM', 'error in the optional part of the request']],
  [0xc1, ['ESME_ROPTPARNOTALLWD', 'optional parameter not allowed']],
  [0xc2, ['ESME_RINVPARLEN', 'invalid parameter length']],
  [0xc3, ['ESME_RMISSINGOPTPARAM', 'expected optional parameter missing']],
  [0xc4, ['ESME_RINVOPTPARAMVAL', 'invalid optional parameter value']],
  [0xfe, ['ESME_RDELIVERYFAILURE', 'delivery failure']],
  [0xff, ['ESME_RUNKNOWNERR', 'unknown error']],
  [0x100, ['ESME_RSERTYPUNAUTH', 'not authorised for this service type']],
  [0x101, ['ESME_RPROHIBITED', 'prohibited from this operation']],
  [0x102, ['ESME_RSERTYPUNAVAIL', 'service type unavailable']],
  [0x103, ['ESME_RSERTYPDENIED', 'service type denied']],
  [0x104, ['ESME_RINVDCS', 'invalid data coding scheme']],
  [0x105, ['ESME_RINVSRCADDRSUBUNIT', 'invalid source address subunit']],
  [0x106, ['ESME_RINVDSTADDRSUBUNIT', 'invalid destination address subunit']],
])

/** SMPP leaves this range to each SMSC vendor. */
const VENDOR_SPECIFIC = { from: 0x400, to: 0x4ff }

/** `0x0000000b` → ESME_RINVDSTADR, "invalid destination address". Never throws. */
export function describeCommandStatus(value: number): SmppStatus {
  const hex = `0x${(value >>> 0).toString(16).padStart(8, '0')}`
  const known = COMMAND_STATUS.get(value)
  if (known) return { value, hex, name: known[0], meaning: known[1] }
  const meaning = value >= VENDOR_SPECIFIC.from && value <= VENDOR_SPECIFIC.to
    ? "the SMSC vendor's own error code"
    : 'a code SMPP reserves; only the SMSC knows what it means'
  return { value, hex, name: null, meaning }
}

/** "invalid destination address (ESME_RINVDSTADR, 0x0000000b)": how status shows a code. */
export function formatCommandStatus(status: SmppStatus): string {
  return `${status.meaning} (${status.name ? `${status.name}, ` : ''}${status.hex})`
}
