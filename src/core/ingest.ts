/**
 * The rule every way in applies to a line (feedback's arguments and stdin, replay's files,
 * serve's callbacks and its journal): parse it, admit it under the token rule, count it.
 */
import { OVERLONG_LINE_REASON, parseDlrLine, type DeliveryEvent, type ParseContext } from './dlr.js'
import { admitReport, REFUSED_REASON } from './event-identity.js'

/** What a run did with its lines; feedback, each replayed file and the whole replay count alike. */
export interface Tally {
  lines: number
  /** Stored for the first time. */
  new: number
  /** Stored before (or twice in this run): one event however often it comes. */
  duplicates: number
  /** Not a delivery report. */
  bad: number
  /** Not meant to be one: blank lines, other requests in an access log. */
  skipped: number
  /** Not stored: token missing or wrong while smskannel.secret is set, as serve refuses them. */
  refused: number
  /** Stored without a valid token, with --accept-unsigned. */
  acceptedUnsigned: number
  /** Access-log requests the receiver answered with a non-2xx status (a 403, a 503): not stored. */
  answeredNon2xx: number
}

const TALLY_KEYS = ['lines', 'new', 'duplicates', 'bad', 'skipped', 'refused', 'acceptedUnsigned', 'answeredNon2xx'] as const

export function emptyTally(): Tally {
  return { lines: 0, new: 0, duplicates: 0, bad: 0, skipped: 0, refused: 0, acceptedUnsigned: 0, answeredNon2xx: 0 }
}

export function addTally(into: Tally, from: Tally): void {
  for (const key of TALLY_KEYS) into[key] += from[key]
}

/** A commit's answer (for each event, whether it was new) into the tally. */
export function countStored(tally: Tally, fresh: readonly boolean[]): void {
  let added = 0
  for (const isNew of fresh) if (isNew) added += 1
  tally.new += added
  tally.duplicates += fresh.length - added
}

export interface AdmissionRules {
  /** smskannel.secret: reports without its token are refused. */
  secret: string | undefined
  /** --accept-unsigned: stored anyway (history from before the secret), never forwarded. */
  acceptUnsigned: boolean
  /** Whether stored query reports are marked for forwarding. */
  forward: boolean
}

export type LineVerdict =
  | { kind: 'store'; event: DeliveryEvent; forward: boolean; unsigned: boolean }
  | { kind: 'refused'; event: DeliveryEvent; reason: string }
  | { kind: 'bad'; reason: string }
  | { kind: 'skip'; reason: string; httpStatus?: number }

/** One line's verdict. `text` undefined is a line over the limit, whose bytes were dropped. */
export function admitLine(text: string | undefined, context: ParseContext, rules: AdmissionRules): LineVerdict {
  if (text === undefined) return { kind: 'bad', reason: OVERLONG_LINE_REASON }
  const parsed = parseDlrLine(text, context)
  if (parsed.kind !== 'event') return parsed
  const admission = admitReport(rules.secret, rules.acceptUnsigned, parsed)
  if (admission === 'refuse') return { kind: 'refused', event: parsed.event, reason: REFUSED_REASON }
  return { kind: 'store', event: parsed.event, forward: rules.forward && admission === 'store', unsigned: admission === 'store-unsigned' }
}

/** Counts a line by its verdict: all but new and duplicates, which the store's commit tells. */
export function countLine(tally: Tally, verdict: LineVerdict): void {
  tally.lines += 1
  if (verdict.kind === 'store') {
    if (verdict.unsigned) tally.acceptedUnsigned += 1
  } else if (verdict.kind === 'skip') {
    if (verdict.httpStatus === undefined) tally.skipped += 1
    else tally.answeredNon2xx += 1
  } else {
    tally[verdict.kind] += 1
  }
}
