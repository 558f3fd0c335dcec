import { reportEventId } from './event-identity.js'
import { DLR_PARAMS } from './kannel-request.js'
import { truncateForMessage } from './redact.js'
import { hasControlCharacters } from './control-chars.js'
import { fromLocalTime } from './report-time.js'
import { parseSmscReply, type SmscReply } from './smsc-reply.js'

export { parseSmscReply, type SmscReply } from './smsc-reply.js'

/** Bumped when a field changes meaning; documented in docs/dlr-event.schema.json. */
export const DLR_EVENT_SCHEMA = 'sms-kannel/dlr-event@1'

/** A callback URL longer than this is not Kannel's. */
/** The longest sequence send puts in a dlr-url, and the longest key status looks up. */
const MAX_KEY_LENGTH = 64
export const MAX_LINE_LENGTH = 64 * 1024
export const OVERLONG_LINE_REASON = `longer than ${MAX_LINE_LENGTH / 1024} KiB`

/** Kannel's DLR types, a bit each (user guide, "dlr-mask"); a value may combine several. */
export const DLR_TYPES = { 1: 'delivered', 2: 'undelivered', 4: 'buffered', 8: 'accepted', 16: 'rejected' } as const
export type DlrStatus = (typeof DLR_TYPES)[keyof typeof DLR_TYPES]

/** Which bit names the event when several are set: the most final one. */
const STATUS_PRECEDENCE: readonly DlrStatus[] = ['rejected', 'undelivered', 'delivered', 'accepted', 'buffered']
const STATUS_TEXT: Readonly<Record<DlrStatus, string>> = {
  delivered: 'delivered to the phone',
  undelivered: 'not delivered to the phone',
  buffered: 'buffered by the SMSC; the phone is not reachable yet',
  accepted: 'accepted by the SMSC',
  rejected: 'rejected by the SMSC',
}
const FINAL: ReadonlySet<DlrStatus> = new Set(['delivered', 'undelivered', 'rejected'])

export type DlrParamNames = { -readonly [field in keyof typeof DLR_PARAMS]: string }

export type EventSource =
  | { kind: 'argument'; index: number }
  | { kind: 'stdin'; line: number }
  | { kind: 'file'; file: string; line: number }
  | { kind: 'http' }
  /** Asked of the provider by feedback --poll (SMS4.de's delivery report API). */
  | { kind: 'poll'; provider: string }

export interface DeliveryEvent {
  schema: typeof DLR_EVENT_SCHEMA
  /** Same DLR, same id: the key that makes storing idempotent. */
  eventId: string
  messageId: string | null
  sequence: string | null
  dlr: number
  status: DlrStatus
  statusText: string
  types: DlrStatus[]
  final: boolean
  /** true delivered, false failed, null while not final. */
  successful: boolean | null
  recipient: string | null
  sender: string | null
  smscId: string | null
  smscMessageId: string | null
  gatewayTime: string | null
  smscReply: SmscReply | null
  receivedAt: string
  source: EventSource
  /** What `raw` holds: the callback's query string, a bearerbox access-log line, or a provider's JSON report. */
  rawFormat: 'query' | 'bearerbox-log' | 'json'
  raw: string
}

export type ParsedLine =
  | {
      kind: 'event'
      event: DeliveryEvent
      /** The dlr-url's token as the report carried it; never part of the record. */
      token?: string | undefined
      /** A bearerbox line without the dlr-url: written by Kannel, nothing to sign or check. */
      unsignedSource?: true
    }
  /**
   * Not a DLR and not meant to be one: blank lines, other requests in an access log. With
   * `httpStatus`, an access-log request the receiver answered with that non-2xx status.
   */
  | { kind: 'skip'; reason: string; httpStatus?: number }
  | { kind: 'bad'; reason: string }

export interface ParseContext {
  receivedAt: Date
  source: EventSource
  names: DlrParamNames
  /** Access-log requests for other paths are skipped; the path of smskannel.feedbackurl. */
  feedbackPath: string
  /** Another gateway's status values for the `dlr` parameter (http.dlr-status, keys lower-cased: any case matches), tried before Kannel's numbers. */
  statusMap?: ReadonlyMap<string, number> | undefined
  /**
   * The zone bearerbox's access-log times are read in (smskannel.logtimezone); without one they
   * stay zone-unknown. Asked only for such a line: finding the host's zone loads ICU (8 MB).
   */
  logTimeZone?: (() => string | undefined) | undefined
}

export const DEFAULT_FEEDBACK_PATH = '/smsKannelfeedback'

const KANNEL_LOG_LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (.*)$/
/** Apache/nginx "combined" (and "common"): host ident user [time] "request" status size ... */
const COMBINED_LOG_LINE = /^\S+ \S+ \S+ \[([^\]]+)\] "([A-Z]+) (\S+)(?: HTTP\/[\d.]+)?" (\d{3}) /
const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06',
  Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
}

/**
 * Turns one input line into a delivery event. Takes a bare query string, a URL or path, an
 * Apache/nginx access-log line (the log time becomes the receive time), or a bearerbox
 * access-log `Receive DLR` line. Never throws: anything else is `bad` with a reason.
 * @example parseDlrLine('seq=4711&msgid=m1&dlr=1&reply=', context)
 */
export function parseDlrLine(rawLine: string, context: ParseContext): ParsedLine {
  const line = rawLine.replace(/\r$/, '')
  if (line.length > MAX_LINE_LENGTH) return { kind: 'bad', reason: OVERLONG_LINE_REASON }
  if (line.trim() === '') return { kind: 'skip', reason: 'blank line' }

  const kannelLog = KANNEL_LOG_LINE.exec(line)
  if (kannelLog) return parseKannelAccessLogLine(line, kannelLog[1]!, kannelLog[2]!, kannelLog[3]!, context)

  const combined = COMBINED_LOG_LINE.exec(line)
  if (combined) {
    const [, time, method, target, status] = combined as unknown as [string, string, string, string, string]
    const path = target.split(/[?#]/, 1)[0]!
    if (path !== context.feedbackPath || (method !== 'GET' && method !== 'HEAD')) {
      return { kind: 'skip', reason: `not a feedback request (${truncateForMessage(`${method} ${path}`, 60)})` }
    }
    // The receiver refused it (403 forged, 400, 503 retried later): not a report it took.
    if (status[0] !== '2') return { kind: 'skip', reason: `answered ${status} by the receiver`, httpStatus: Number(status) }
    const receivedAt = parseCombinedLogTime(time)
    if (!receivedAt) return { kind: 'bad', reason: `access-log time "${truncateForMessage(time, 40)}" is not [dd/Mon/yyyy:hh:mm:ss +zone]` }
    return parseQueryDlr(queryOf(target), { ...context, receivedAt })
  }

  const trimmed = line.trim()
  if (/^https?:\/\//i.test(trimmed) || trimmed.startsWith('/')) return parseQueryDlr(queryOf(trimmed), context)
  return parseQueryDlr(stripFragment(trimmed.replace(/^\?/, '')), context)
}

function stripFragment(text: string): string {
  const hash = text.indexOf('#')
  return hash === -1 ? text : text.slice(0, hash)
}

function queryOf(target: string): string {
  const withoutFragment = stripFragment(target)
  const question = withoutFragment.indexOf('?')
  return question === -1 ? '' : withoutFragment.slice(question + 1)
}

/**
 * Form-decodes a query (`+` is a space; Kannel substitutes values URL-encoded). WHATWG
 * decoding never throws: a lone `%` stays as written, bad UTF-8 becomes U+FFFD. The first
 * of repeated keys wins, as in Kannel; a Map keeps `__proto__` an ordinary key.
 */
export function parseQuery(query: string): Map<string, string> {
  const params = new Map<string, string>()
  for (const [name, value] of new URLSearchParams(query)) if (!params.has(name)) params.set(name, value)
  return params
}

function parseQueryDlr(query: string, context: ParseContext): ParsedLine {
  const params = parseQuery(query)
  const { names } = context
  const dlrValue = params.get(names.dlrType)
  if (dlrValue === undefined) {
    return { kind: 'bad', reason: `no "${names.dlrType}" parameter (for another dlr-url template: --param dlr=NAME)` }
  }
  const dlr = context.statusMap?.get(dlrValue.toLowerCase()) ?? parseDlrType(dlrValue)
  if (dlr === undefined) {
    const shown = `${names.dlrType}=${truncateForMessage(dlrValue, 20)}`
    return { kind: 'bad', reason: context.statusMap ? `${shown} is not in http.dlr-status` : `${shown} is not a DLR type (1, 2, 4, 8, 16 or a sum of them)` }
  }
  const value = (field: keyof DlrParamNames) => nonEmpty(params.get(names[field]))
  const reply = params.get(names.smscReply)
  const gatewayTime = parseGatewayTime(params.get(names.gatewayEpoch))
  const messageId = value('messageId')
  const sequence = value('sequence')
  // Our own dlr-url fills these (send refuses a longer sequence); status could never find one that breaks the rules.
  for (const [field, given] of [['sequence', sequence], ['messageId', messageId]] as const) {
    if (given !== null && (given.length > MAX_KEY_LENGTH || hasControlCharacters(given))) {
      const shown = `${names[field]}=${truncateForMessage(given, 20)}`
      return { kind: 'bad', reason: given.length > MAX_KEY_LENGTH ? `${shown} is longer than ${MAX_KEY_LENGTH} characters` : `${shown} holds control characters` }
    }
  }
  const status = MEANINGS[dlr]!.status
  // Only the fields of the dlr-url template count: junk parameters never make a new event.
  const knownFields = () =>
    ['query', status, ...(['sequence', 'smscReply', 'smscMessageId', 'recipient', 'sender', 'gatewayEpoch', 'smscId'] as const).map((field) => params.get(names[field]) ?? '')].join('\n')
  return {
    kind: 'event',
    token: params.get(names.token),
    event: buildEvent({
      eventId: reportEventId({ messageId, status, kannelId: value('kannelId'), gatewayTime }, knownFields),
      messageId,
      sequence,
      dlr,
      recipient: value('recipient'),
      sender: value('sender'),
      smscId: value('smscId'),
      smscMessageId: value('smscMessageId'),
      gatewayTime,
      smscReply: reply === undefined || reply === '' ? null : parseSmscReply(reply),
      receivedAt: context.receivedAt.toISOString(),
      source: context.source,
      rawFormat: 'query',
      raw: query,
    }),
  }
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value
}

function parseDlrType(value: string): number | undefined {
  if (!/^\d{1,2}$/.test(value)) return undefined
  const dlr = Number(value)
  return dlr >= 1 && dlr <= 31 ? dlr : undefined
}

export type EventFields = Omit<DeliveryEvent, 'schema' | 'status' | 'statusText' | 'types' | 'final' | 'successful'>

interface DlrMeaning {
  types: DlrStatus[]
  status: DlrStatus
  final: boolean
}

/** What each DLR value 1 to 31 means, worked out once: replay builds millions of events. */
const MEANINGS: ReadonlyArray<DlrMeaning | undefined> = Array.from({ length: 32 }, (_, dlr) => {
  if (dlr === 0) return undefined
  const types = Object.freeze((Object.entries(DLR_TYPES) as Array<[string, DlrStatus]>).filter(([bit]) => (dlr & Number(bit)) !== 0).map(([, name]) => name)) as DlrStatus[]
  const status = STATUS_PRECEDENCE.find((name) => types.includes(name))!
  return { types, status, final: FINAL.has(status) }
})

/** The status a DLR value names (the most final of its bits); undefined outside 1 to 31. */
export function dlrStatusOf(dlr: number): DlrStatus | undefined {
  return MEANINGS[dlr]?.status
}

/** A complete event from its fields: status, text and finality follow from `dlr`. */
export function buildEvent(fields: EventFields): DeliveryEvent {
  const { types, status, final } = MEANINGS[fields.dlr]!
  return {
    schema: DLR_EVENT_SCHEMA,
    eventId: fields.eventId,
    messageId: fields.messageId,
    sequence: fields.sequence,
    dlr: fields.dlr,
    status,
    statusText: STATUS_TEXT[status],
    types,
    final,
    successful: final ? status === 'delivered' : null,
    recipient: fields.recipient,
    sender: fields.sender,
    smscId: fields.smscId,
    smscMessageId: fields.smscMessageId,
    gatewayTime: fields.gatewayTime,
    smscReply: fields.smscReply,
    receivedAt: fields.receivedAt,
    source: fields.source,
    rawFormat: fields.rawFormat,
    raw: fields.raw,
  }
}

/** Consecutive reports mostly share a second; replay reads millions of them. */
let lastEpoch = ''
let lastEpochIso = ''

/** %T is epoch seconds; %t is the gateway's local `YYYY-MM-DD HH:MM:SS` (no zone known). */
export function parseGatewayTime(value: string | undefined): string | null {
  if (value === undefined || value === '') return null
  if (value === lastEpoch) return lastEpochIso
  if (/^\d{9,11}$/.test(value)) {
    lastEpochIso = new Date(Number(value) * 1000).toISOString().replace('.000Z', 'Z')
    lastEpoch = value
    return lastEpochIso
  }
  const local = /^(\d{4}-\d{2}-\d{2})[ +T](\d{2}:\d{2}:\d{2})$/.exec(value)
  return local ? `${local[1]}T${local[2]}` : null
}

/**
 * A wall-clock `YYYY-MM-DD HH:MM:SS` (or with T) as UTC ISO 8601, read in `timeZone`; in the
 * hour that repeats when summer time ends, the first one (as report reads --since). Null when it is no such time.
 * @example wallClockToUtc('2026-12-07 14:23:14', 'Europe/Berlin') === '2026-12-07T13:23:14Z'
 */
export function wallClockToUtc(value: string, timeZone: string): string | null {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value.trim())
  if (!local) return null
  const [year, month, day, hour, minute, second] = local.slice(1).map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null
  const ms = fromLocalTime({ year, month, day, hour, minute, second }, timeZone)
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : null
}

function parseCombinedLogTime(time: string): Date | undefined {
  const match = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(time)
  const month = match ? MONTHS[match[2]!] : undefined
  if (!match || !month) return undefined
  const date = new Date(`${match[3]}-${month}-${match[1]}T${match[4]}:${match[5]}:${match[6]}${match[7]}${match[8]}:${match[9]}`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Fields of a bearerbox access-log line: `[SMSC:fake1] [SVC:tester] … [msg:4:ACK/] [udh:0:]`. */
function kannelLogFields(rest: string): Map<string, string> | undefined {
  const fields = new Map<string, string>()
  // msg: holds free text (even "] ["), so everything else is read around it.
  const msg = /\[msg:(\d+):(.*)\] \[udh:\d*:[^\]]*\]$/.exec(rest)
  const head = msg ? rest.slice(0, msg.index) : rest
  for (const match of head.matchAll(/\[([A-Za-z]+):([^\]]*)\]/g)) if (!fields.has(match[1]!)) fields.set(match[1]!, match[2]!)
  if (msg) fields.set('msg', msg[2]!)
  // %R, the dlr-url as send wrote it: no spaces (Kannel cannot send them), maybe a `]` ([::1]).
  const dlrUrl = / \[dlr-url:(\S*)\](?= \[|$)/.exec(` ${head.trimEnd()}`)
  if (dlrUrl) fields.set('dlr-url', dlrUrl[1]!)
  return fields.size > 0 ? fields : undefined
}

/**
 * bearerbox's own access log. Its `Receive DLR` lines are DLRs even when the callback was
 * lost; `from`/`to` there are the original sender/recipient (docs/kannel.md §9).
 */
function parseKannelAccessLogLine(line: string, date: string, time: string, rest: string, context: ParseContext): ParsedLine {
  if (!rest.startsWith('Receive DLR ')) return { kind: 'skip', reason: `bearerbox log: ${truncateForMessage(rest.split(' [', 1)[0] ?? '', 40)}` }
  const fields = kannelLogFields(rest.slice('Receive DLR '.length))
  const flags = fields?.get('flags')?.split(':')
  const dlr = parseDlrType(flags?.at(-1) ?? '')
  // [flags:%m:%c:%M:%C:%d] in the default format, [flags:%d] in a shorter one.
  if (!fields || !flags || (flags.length !== 5 && flags.length !== 1) || dlr === undefined) return { kind: 'bad', reason: 'bearerbox "Receive DLR" line without a DLR type in [flags:…]' }
  const value = (name: string) => nonEmpty(fields.get(name))
  const reply = fields.get('msg')
  // Identity keeps the wall-clock text, as before the zone was known: a line replayed again is the same report.
  const wallTime = `${date}T${time}`
  const logTimeZone = context.logTimeZone?.()
  const gatewayTime = (logTimeZone !== undefined && wallClockToUtc(wallTime, logTimeZone)) || wallTime
  // With [dlr-url:%R] the line names our message; Kannel keeps our doubled `%%` in it.
  const dlrUrl = fields.get('dlr-url')
  const own = dlrUrl === undefined ? undefined : parseQuery(queryOf(dlrUrl.replaceAll('%%', '%')))
  const messageId = nonEmpty(own?.get(context.names.messageId))
  // Without any id (the default format) a line is known by its text and its place in its
  // file: identical lines are distinct reports (three sends in one second), while the same
  // line replayed again, from the same place, is the same one.
  const place = () => `bearerbox\n${line}\n${positionOf(context.source)}`
  return {
    kind: 'event',
    // A dlr-url without our message id (empty, or another application's) has nothing to check.
    ...(messageId !== null ? { token: own?.get(context.names.token) } : { unsignedSource: true as const }),
    event: buildEvent({
      eventId: reportEventId({ messageId, status: MEANINGS[dlr]!.status, kannelId: value('ID'), gatewayTime: wallTime }, place),
      messageId,
      sequence: nonEmpty(own?.get(context.names.sequence)),
      dlr,
      recipient: value('to'),
      sender: value('from'),
      smscId: value('SMSC'),
      smscMessageId: value('FID'),
      gatewayTime,
      smscReply: reply === undefined || reply === '' ? null : parseSmscReply(reply),
      receivedAt: context.receivedAt.toISOString(),
      source: context.source,
      rawFormat: 'bearerbox-log',
      raw: line,
    }),
  }
}

function positionOf(source: EventSource): number {
  return source.kind === 'file' || source.kind === 'stdin' ? source.line : source.kind === 'argument' ? source.index : 0
}

/** The parameter names `send` writes into the dlr-url, overridden per name with --param. */
export function resolveDlrParamNames(overrides: ReadonlyArray<string>): DlrParamNames | { error: string } {
  const names: DlrParamNames = { ...DLR_PARAMS }
  const byQueryName = new Map<string, keyof DlrParamNames>(Object.entries(DLR_PARAMS).map(([field, name]) => [name, field as keyof DlrParamNames]))
  for (const override of overrides) {
    for (const pair of override.split(',')) {
      if (pair.trim() === '') continue
      const match = /^\s*([a-z]+)\s*=\s*([^\s=&]+)\s*$/.exec(pair)
      const field = match ? byQueryName.get(match[1]!) : undefined
      if (!match || !field) {
        return { error: `"${truncateForMessage(pair, 40)}" is not NAME=QUERYNAME with NAME one of ${Object.values(DLR_PARAMS).join(', ')}` }
      }
      names[field] = match[2]!
    }
  }
  return names
}
