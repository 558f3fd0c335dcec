import type { DlrStatus } from './dlr.js'
import { REDACTED } from './redact.js'
import { describeCommandStatus, formatCommandStatus, type SmppStatus } from './smpp-status.js'
import { replaceControlCharacters } from './control-chars.js'

/** A receipt's fields with their usual keys; everything else in a receipt is a vendor extra. */
export interface ReceiptFields {
  id: string | null
  sub: string | null
  dlvrd: string | null
  submitDate: string | null
  doneDate: string | null
  stat: string | null
  err: string | null
  text: string | null
}

export type SmscReply =
  | { kind: 'ack'; raw: string; text: string }
  /** `smpp` only when the reply carries a command_status code. */
  | { kind: 'nack'; raw: string; code: string | null; text: string; smpp?: SmppStatus }
  | ({
      kind: 'receipt'
      raw: string
      /** submitDate and doneDate as local times without a zone, when they are dates. */
      submitTime: string | null
      doneTime: string | null
      /** What `stat` says about the message, and the DLR status that matches it. */
      outcome: DlrStatus | null
      meaning: string | null
      /** Further `KEY:value` fields (IMSI, MSC, MCCMNC, ...), keys as written. */
      extras: Record<string, string>
    } & ReceiptFields)
  | { kind: 'other'; raw: string }

type ReceiptKey = keyof ReceiptFields

/** Keys as SMSCs spell them; matched in any case. */
const RECEIPT_KEYS: ReadonlyMap<string, ReceiptKey> = new Map([
  ['id', 'id'],
  ['sub', 'sub'],
  ['dlvrd', 'dlvrd'],
  ['submit date', 'submitDate'],
  ['submit_date', 'submitDate'],
  ['submitdate', 'submitDate'],
  ['done date', 'doneDate'],
  ['done_date', 'doneDate'],
  ['donedate', 'doneDate'],
  ['stat', 'stat'],
  ['err', 'err'],
  ['text', 'text'],
])

/**
 * A `key:` anywhere: the receipt keys (also after a vendor prefix such as `SMSAlert^id:`),
 * or any other word, which only counts as a field after a space.
 */
const FIELD_MARK = /(?<![A-Za-z0-9_:])(submit[ _]?date|done[ _]?date|[A-Za-z][A-Za-z0-9_-]*):/gi

/** The canonical receipt layout; see parseCanonicalReceipt. */
const CANONICAL_RECEIPT = /^id:([^\s:]*) (?:sub:([^\s:]*) dlvrd:([^\s:]*) )?submit[ _]?date:([^\s:]*) done[ _]?date:([^\s:]*) stat:([^\s:]*)(?: err:([^\s:]*))?(?: [Tt]ext:([^]*))?$/
/** Wider than a field mark (no look-behind): a text it matches goes to the tolerant parser. */
const UNCLAIMED_KEY = /(?:sub|dlvrd|err):/i

/** command_status is four octets. */
const MAX_COMMAND_STATUS = 0xffffffff

/** Kannel reads at most this many characters of `err`. */
const ERR_LENGTH = 3

interface StatMeaning {
  outcome: DlrStatus | null
  meaning: string
}

/** Every `stat` seen in use; SMPP's message_state numbers name the same states. */
const STAT_MEANINGS: ReadonlyMap<string, StatMeaning> = new Map([
  ['DELIVRD', { outcome: 'delivered', meaning: 'delivered to the phone' }],
  ['UNDELIV', { outcome: 'undelivered', meaning: 'the SMSC could not deliver it' }],
  ['REJECTD', { outcome: 'rejected', meaning: 'rejected by the SMSC or the network' }],
  ['EXPIRED', { outcome: 'undelivered', meaning: 'expired: not delivered within its validity period (phone off or out of reach)' }],
  ['DELETED', { outcome: 'undelivered', meaning: 'deleted by the SMSC before it was delivered' }],
  ['ACCEPTD', { outcome: 'accepted', meaning: "accepted by the SMSC on the subscriber's behalf; not confirmed on the phone" }],
  ['UNKNOWN', { outcome: null, meaning: 'the SMSC does not know what became of it' }],
  ['ENROUTE', { outcome: 'buffered', meaning: 'on its way: the SMSC is still trying' }],
  ['SCHEDLD', { outcome: 'buffered', meaning: 'scheduled: the SMSC has not tried yet' }],
  ['BUFFRED', { outcome: 'buffered', meaning: 'buffered by the SMSC; the phone is not reachable yet' }],
  ['SKIPPED', { outcome: 'undelivered', meaning: 'skipped: accepted but never sent to the phone' }],
  ['FAILED', { outcome: 'undelivered', meaning: 'delivery failed' }],
])
const STAT_SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['DELIVERED', 'DELIVRD'], ['UNDELIVERABLE', 'UNDELIV'], ['REJECTED', 'REJECTD'], ['ACCEPTED', 'ACCEPTD'],
  ['SCHEDULED', 'SCHEDLD'], ['BUFFERED', 'BUFFRED'], ['BUFFERD', 'BUFFRED'],
])
/** SMPP message_state (5.2.28, and 0 and 9 from SMPP 5.0). */
const MESSAGE_STATES = ['SCHEDLD', 'ENROUTE', 'DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', 'SKIPPED'] as const

/** Kannel's own NACK texts, for the replies it writes itself rather than an SMSC. */
const KANNEL_NACK_MEANINGS: ReadonlyMap<string, string> = new Map([
  ['no smsc', 'Kannel has no SMSC connection that may send to this number'],
  ['retries exceeded', 'Kannel gave up after its resend retries'],
])

/**
 * Kannel's %A, read as tolerantly as Kannel reads it: `ACK/<text>`; `NACK/0x%08x/<text>` (since
 * Kannel 1.4.4, either case), `NACK/<decimal>/<text>` or `NACK/<text>`; or an SMPP receipt with
 * its keys in any case and order, anywhere in the text. Never throws.
 * @example parseSmscReply('NACK/0x0000000b/Invalid Destination Address').smpp?.name // 'ESME_RINVDSTADR'
 */
export function parseSmscReply(raw: string): SmscReply {
  const reply = /^(N?)ACK\//i.exec(raw)
  if (reply) return reply[1] ? parseNack(raw) : { kind: 'ack', raw, text: raw.slice(4) }
  return parseCanonicalReceipt(raw) ?? parseTolerantReceipt(raw) ?? { kind: 'other', raw }
}

function parseNack(raw: string): SmscReply {
  const rest = raw.slice(5)
  const coded = /^(?:(0x[0-9a-f]{1,8})|(\d{1,10}))\/(.*)$/is.exec(rest)
  if (!coded) return { kind: 'nack', raw, code: null, text: rest }
  const [, hex, decimal, text] = coded as unknown as [string, string | undefined, string | undefined, string]
  const value = hex ? Number.parseInt(hex.slice(2), 16) : Number(decimal)
  if (value > MAX_COMMAND_STATUS) return { kind: 'nack', raw, code: null, text: rest }
  return { kind: 'nack', raw, code: hex ?? decimal!, text, smpp: describeCommandStatus(value) }
}

interface OpenField {
  /** A receipt key, or the name of a vendor extra. */
  key: ReceiptKey | { extra: string }
  valueStart: number
}

/**
 * The layout nearly every SMSC writes, `id:… [sub:… dlvrd:… ]submit date:… done date:… stat:…
 * [err:…][ text:…]`, single-spaced: read in one match, as every DLR line replayed carries one.
 * Its values hold no space or colon, so no other key can hide in them and the result is the
 * tolerant parser's; anything else is left to that parser (undefined). Exported for the test
 * that holds the two to the same result.
 */
export function parseCanonicalReceipt(raw: string): SmscReply | undefined {
  const match = CANONICAL_RECEIPT.exec(raw)
  if (!match) return undefined
  const [, id, sub, dlvrd, submitDate, doneDate, stat, err, text] = match as unknown as [string, string, string | undefined, string | undefined, string, string, string, string | undefined, string | undefined]
  // Without sub:, dlvrd: or err: before it, a text naming them would hand them their values.
  if ((sub === undefined || err === undefined) && text !== undefined && UNCLAIMED_KEY.test(text)) return undefined
  const fields: ReceiptFields = {
    id,
    sub: sub ?? null,
    dlvrd: dlvrd ?? null,
    submitDate,
    doneDate,
    stat,
    err: err === undefined ? null : err.length > ERR_LENGTH ? err.slice(0, ERR_LENGTH) : err,
    text: text === undefined ? null : text.trim(),
  }
  return receiptReply(raw, fields, {})
}

function receiptReply(raw: string, fields: ReceiptFields, extras: Record<string, string>): SmscReply {
  const meaning = fields.stat === null ? undefined : statMeaningOf(fields.stat)
  return {
    kind: 'receipt',
    raw,
    id: fields.id,
    sub: fields.sub,
    dlvrd: fields.dlvrd,
    submitDate: fields.submitDate,
    doneDate: fields.doneDate,
    stat: fields.stat,
    err: fields.err,
    text: fields.text,
    submitTime: parseReceiptTime(fields.submitDate),
    doneTime: parseReceiptTime(fields.doneDate),
    outcome: meaning?.outcome ?? null,
    meaning: meaning?.meaning ?? null,
    extras,
  }
}

/** Receipts in any layout: keys in any case and order, anywhere, with vendor extras. */
export function parseTolerantReceipt(raw: string): SmscReply | undefined {
  return readTolerantReceipt(raw)?.reply
}

/** The receipt, and where in `raw` its text's value stands (for hideReceiptText). */
function readTolerantReceipt(raw: string): { reply: SmscReply; textSpan: TextSpan | undefined } | undefined {
  let textSpan: TextSpan | undefined
  const fields: ReceiptFields = { id: null, sub: null, dlvrd: null, submitDate: null, doneDate: null, stat: null, err: null, text: null }
  const extras: Array<[string, string]> = []
  const claimed = new Set<ReceiptKey>()
  const strayWords: string[] = []
  let open: OpenField | undefined

  const close = (end: number) => {
    if (!open) return
    const value = raw.slice(open.valueStart, end).trim()
    if (typeof open.key === 'object') {
      extras.push([open.key.extra, value])
    } else if (open.key === 'text') {
      fields.text = value
      textSpan = trimmedSpan(raw, open.valueStart, end)
    } else {
      // Kannel takes the first word; anything after it that is not a key is stray.
      const [first = '', ...rest] = value.split(/\s+/)
      fields[open.key] = open.key === 'err' ? first.slice(0, ERR_LENGTH) : first
      strayWords.push(...rest)
    }
  }

  for (const mark of raw.matchAll(FIELD_MARK)) {
    const name = mark[1]!
    const key = RECEIPT_KEYS.get(name.toLowerCase())
    if (key) {
      // A key seen before belongs to the current value, as in `text:PIN 1 id:x`.
      if (claimed.has(key)) continue
      claimed.add(key)
    } else {
      const afterSpace = mark.index === 0 || /\s/.test(raw[mark.index - 1]!)
      if (open?.key === 'text' || !afterSpace) continue
    }
    close(mark.index)
    open = { key: key ?? { extra: name }, valueStart: mark.index + mark[0].length }
  }
  close(raw.length)
  if (!claimed.has('id') && !claimed.has('stat')) return undefined

  // Some SMSCs drop the `stat:` key and write the state alone.
  if (fields.stat === null) fields.stat = strayWords.find((word) => statMeaningOf(word) !== undefined && /^[A-Z]+$/.test(word)) ?? null
  return { reply: receiptReply(raw, fields, Object.fromEntries(dropRepeatedKeys(extras))), textSpan }
}

/** Start and end of a value in the raw reply. */
type TextSpan = readonly [number, number]

function trimmedSpan(raw: string, start: number, end: number): TextSpan {
  let from = start
  let to = end
  while (from < to && /\s/.test(raw[from]!)) from++
  while (to > from && /\s/.test(raw[to - 1]!)) to--
  return [from, to]
}

/** A `text:` key at the start or after a space, in any case. */
const LOOSE_TEXT = /(?<![^\s])text:/i

/** CANONICAL_RECEIPT with the positions of its groups, only for the rare hideReceiptText. */
const CANONICAL_RECEIPT_INDICES = new RegExp(CANONICAL_RECEIPT.source, 'd')

/**
 * The reply with a receipt's `text:` value replaced by ********: it is the message's first
 * characters, the PIN. Everything an admin reads (id, stat, err, dates) stays as written.
 * @example hideReceiptText('id:1 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 text:PIN 4711')
 * // 'id:1 submit date:2612071020 done date:2612071021 stat:DELIVRD err:000 text:********'
 */
export function hideReceiptText(raw: string): string {
  if (/^N?ACK\//i.test(raw)) return raw
  const canonical = CANONICAL_RECEIPT_INDICES.exec(raw)
  const textGroup = canonical?.indices?.[8]
  const receipt = canonical && parseCanonicalReceipt(raw) !== undefined ? { textSpan: textGroup && trimmedSpan(raw, textGroup[0], textGroup[1]) } : readTolerantReceipt(raw)
  // Not a receipt (no id:, no stat:), yet a text: field: hidden to the end all the same.
  const loose = receipt ? undefined : LOOSE_TEXT.exec(raw)
  const span = receipt ? receipt.textSpan : loose && trimmedSpan(raw, loose.index + loose[0].length, raw.length)
  return span && span[1] > span[0] ? `${raw.slice(0, span[0])}${REDACTED}${raw.slice(span[1])}` : raw
}

/** The parsed reply as people and --json see it: a receipt's text hidden (hideReceiptText). */
export function withoutReceiptText(reply: SmscReply): SmscReply {
  if (reply.kind === 'ack' || reply.kind === 'nack') return reply
  const raw = hideReceiptText(reply.raw)
  if (raw === reply.raw) return reply
  return reply.kind === 'receipt' ? { ...reply, text: REDACTED, raw } : { ...reply, raw }
}

function dropRepeatedKeys(pairs: ReadonlyArray<[string, string]>): Array<[string, string]> {
  const seen = new Set<string>()
  return pairs.filter(([key]) => !seen.has(key) && Boolean(seen.add(key)))
}

function statMeaningOf(stat: string): StatMeaning | undefined {
  const exact = STAT_MEANINGS.get(stat)
  if (exact) return exact
  const upper = stat.toUpperCase()
  const byNumber = /^\d{1,2}$/.test(stat) ? MESSAGE_STATES[Number(stat)] : undefined
  return STAT_MEANINGS.get(byNumber ?? STAT_SYNONYMS.get(upper) ?? upper)
}

/**
 * YYMMDDhhmm, YYMMDDhhmmss, YYYYMMDDhhmmss, or SMPP's absolute time YYMMDDhhmmsstnnp, as
 * `YYYY-MM-DDThh:mm:ss` without a zone (receipts name none). All zeros or no date: null.
 */
export function parseReceiptTime(value: string | null): string | null {
  if (value === null) return null
  const length = value.length
  const absolute = length === 16 && allDigits(value, 15) && ABSOLUTE_TIME_SIGNS.includes(value[15]!)
  if (!absolute && !((length === 10 || length === 12 || length === 14) && allDigits(value, length))) return null
  // Where YYMMDD starts: after the century of a four-digit year.
  const at = length === 14 ? 2 : 0
  const year = length === 14 ? value.slice(0, 4) : `20${value.slice(0, 2)}`
  const month = twoDigits(value, at + 2)
  const day = twoDigits(value, at + 4)
  const hour = twoDigits(value, at + 6)
  const minute = twoDigits(value, at + 8)
  const second = length === 10 ? 0 : twoDigits(value, at + 10)
  const yearNumber = Number(year)
  const leap = yearNumber % 4 === 0 && (yearNumber % 100 !== 0 || yearNumber % 400 === 0)
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60
  if (!valid) return null
  const digits = (from: number) => value.slice(at + from, at + from + 2)
  return `${year}-${digits(2)}-${digits(4)}T${digits(6)}:${digits(8)}:${length === 10 ? '00' : digits(10)}`
}

/** SMPP's absolute time ends in `+` or `-` (its offset from UTC) or `R` (relative). */
const ABSOLUTE_TIME_SIGNS = '+-R'

function allDigits(text: string, count: number): boolean {
  for (let index = 0; index < count; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x30 || code > 0x39) return false
  }
  return true
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 0x30) * 10 + text.charCodeAt(at + 1) - 0x30
}

/**
 * One line for `status`: what the SMSC said, in words.
 * @example describeSmscReply('NACK/0x0000000b/Invalid Destination Address')
 * // 'invalid destination address (ESME_RINVDSTADR, 0x0000000b)'
 */
export function describeSmscReply(raw: string): string {
  const reply = parseSmscReply(raw)
  switch (reply.kind) {
    case 'nack': {
      if (reply.smpp) return formatCommandStatus(reply.smpp)
      const kannel = KANNEL_NACK_MEANINGS.get(reply.text.trim().toLowerCase())
      return `reply ${replaceControlCharacters(raw)}${kannel ? ` (${kannel})` : ''}`
    }
    case 'receipt': {
      const state = reply.stat === null ? 'receipt without a state' : `receipt ${replaceControlCharacters(reply.stat)}: ${reply.meaning ?? 'a state SMPP does not name'}`
      return `${state}${describeErr(reply.err)}`
    }
    default:
      return `reply ${replaceControlCharacters(hideReceiptText(raw))}`
  }
}

/** `err` is the SMSC's or the network's own code; 0 means no error. */
function describeErr(err: string | null): string {
  if (err === null || err === '' || /^0+$/.test(err)) return ''
  return `, SMSC error ${replaceControlCharacters(err)} (the SMSC's own code)`
}
