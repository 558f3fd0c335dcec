import { hash } from 'node:crypto'
import type { DlrStatus, ParsedLine } from './dlr.js'
import { isValidCallbackToken } from './callback-token.js'

/**
 * What a report means, as far as its identity goes. One report keeps one id whether it came
 * as a callback, an access-log line, a bearerbox `Receive DLR` line or a forwarded copy
 * (docs/event-identity.md).
 */
export interface ReportMeaning {
  messageId: string | null
  status: DlrStatus
  /** Kannel's own id of this report (%I): one per report, the same in each retry. */
  kannelId: string | null
  gatewayTime: string | null
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7/

/**
 * The event id, 32 hex digits: 8 that keep the store's key index in arrival order, then 96
 * bits of SHA-256 over what the report means.
 * - With our message id: that id and the DLR type, nothing else. The token covers the
 *   message id but not what Kannel substitutes (%d, %T, %A, ...), so any of those in the id
 *   would let a captured URL mint new events; at most one event per message and type.
 * - Else with Kannel's report id (%I): that id and the type.
 * - Else `fallback`, which the caller builds from the report's known fields only: extra
 *   parameters never make a new event.
 */
export function reportEventId(meaning: ReportMeaning, fallback: () => string): string {
  if (meaning.messageId !== null) {
    // Our message ids are UUID v7, time first; an id of another kind gets no time prefix.
    const prefix = UUID_V7.test(meaning.messageId) ? meaning.messageId.slice(0, 8) : '00000000'
    return prefix + digest(`message\n${meaning.messageId}\n${meaning.status}`)
  }
  if (meaning.kannelId !== null) return timePrefix(meaning.gatewayTime) + digest(`kannel\n${meaning.kannelId}\n${meaning.status}`)
  return timePrefix(meaning.gatewayTime) + digest(fallback())
}

/**
 * The event-id key ranges, [from, to) as 8 hex digits, that hold the reports made in
 * [fromMs, toMs): ids from our UUID v7 message ids start with its time (ms / 2^16), ids from
 * Kannel's time with epoch seconds. Ids without a known time (prefix 0) are not included.
 */
export function eventIdRanges(fromMs: number, toMs: number): Array<[string, string]> {
  const { byMessageId, byGatewayTime } = eventIdPrefixRanges(fromMs, toMs)
  const ranges = [byMessageId, byGatewayTime].sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [from, to] of ranges) {
    const last = merged.at(-1)
    if (last && from <= last[1]) last[1] = Math.max(last[1], to)
    else merged.push([Math.max(1, from), to])
  }
  return merged.filter(([from, to]) => from < to).map(([from, to]) => [hexPrefix(from), hexPrefix(to)])
}

/**
 * eventIdRanges' two ranges, unmerged, as numbers: ids from UUID v7 message ids (whose first 8
 * hex digits are the id's own) and ids from Kannel's time in epoch seconds.
 */
export function eventIdPrefixRanges(fromMs: number, toMs: number): { byMessageId: [number, number]; byGatewayTime: [number, number] } {
  return {
    byMessageId: [Math.floor(fromMs / 65536), Math.floor(toMs / 65536) + 1],
    byGatewayTime: [Math.floor(fromMs / 1000), Math.floor(toMs / 1000) + 1],
  }
}

/** An id prefix as 8 hex digits, clamped to what 32 bits hold. */
export function hexPrefix(value: number): string {
  return Math.max(0, Math.min(0xffffffff, Math.floor(value))).toString(16).padStart(8, '0')
}

function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 24)
}

let lastPrefixTime: string | null = null
let lastPrefix = ''

/** Epoch seconds as 8 hex digits, 0 when unknown. Consecutive reports mostly share a second. */
export function timePrefix(gatewayTime: string | null): string {
  if (gatewayTime === null) return '00000000'
  if (gatewayTime === lastPrefixTime) return lastPrefix
  const ms = Date.parse(gatewayTime.endsWith('Z') ? gatewayTime : `${gatewayTime}Z`)
  const seconds = Number.isFinite(ms) ? Math.max(0, Math.min(0xffffffff, Math.floor(ms / 1000))) : 0
  lastPrefixTime = gatewayTime
  lastPrefix = seconds.toString(16).padStart(8, '0')
  return lastPrefix
}

type LegacyFields = { rawFormat: 'query' | 'bearerbox-log'; raw: string; gatewayTime: string | null }

/**
 * The time prefix of a report's old id: a bearerbox line's own wall-clock time, as written
 * (its gatewayTime may now be that time read in smskannel.logtimezone).
 */
export function legacyTimePrefix(event: LegacyFields): string {
  return timePrefix(event.rawFormat === 'bearerbox-log' ? event.raw.slice(0, 19).replace(' ', 'T') : event.gatewayTime)
}

/** Ids stores made before identity came from meaning (store migration 3 marks such stores). */
export function legacyEventId(event: LegacyFields): string {
  if (event.rawFormat === 'bearerbox-log') return legacyTimePrefix(event) + digest(`kannel-access-log\n${event.raw}`)
  const pairs: string[] = []
  const seen = new Set<string>()
  for (const [name, value] of new URLSearchParams(event.raw)) {
    if (seen.has(name)) continue
    seen.add(name)
    pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
  }
  return timePrefix(event.gatewayTime) + digest(pairs.sort().join('&'))
}

export type TokenVerdict = 'valid' | 'invalid' | 'not-needed'

/**
 * Whether a report carries the token `send` put into its dlr-url, as `serve` checks it. A
 * bearerbox line without the dlr-url (the default access-log format) was written by Kannel
 * from what the SMSC said, not sent by an HTTP client: it has no token and needs none.
 */
export function checkReportToken(secret: string, parsed: Extract<ParsedLine, { kind: 'event' }>): TokenVerdict {
  if (parsed.unsignedSource) return 'not-needed'
  return isValidCallbackToken(secret, parsed.event.messageId, parsed.event.sequence, parsed.token) ? 'valid' : 'invalid'
}

/** What to do with a parsed report under the token rule `serve` applies. */
export type Admission = 'store' | 'store-unsigned' | 'refuse'

/**
 * With a secret, a report `serve` would refuse is not stored by any other path either;
 * `acceptUnsigned` (--accept-unsigned) lets in history recorded before the secret was set.
 * Unsigned reports let in that way are never forwarded: the receiver would refuse them.
 */
export function admitReport(secret: string | undefined, acceptUnsigned: boolean, parsed: Extract<ParsedLine, { kind: 'event' }>): Admission {
  if (secret === undefined || checkReportToken(secret, parsed) !== 'invalid') return 'store'
  return acceptUnsigned ? 'store-unsigned' : 'refuse'
}

export const REFUSED_REASON = 'token missing or wrong (forged, or from before smskannel.secret: --accept-unsigned): not stored'
