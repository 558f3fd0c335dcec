import { DEFAULT_FEEDBACK_PATH, parseDlrLine, type DlrStatus, type EventSource } from './dlr.js'
import { reportEventId } from './event-identity.js'
import { DLR_PARAMS } from './kannel-request.js'

/** An events row as `store copy` reads it; `legacy` marks a row stored under an old-scheme id. */
export interface CopiedEventRow {
  event_id: string
  message_id: string | null
  status: string
  raw: string
  /** The EventSource as JSON: a line without any id is known by its place in its file too. */
  source: string
  legacy?: number
  [column: string]: string | number | null | undefined
}

/**
 * The id a report stored under an old-scheme id has under the current one
 * (docs/event-identity.md), so that a copied store needs no marker of old rows: with a
 * message id, from that id and the status alone; else from its line, parsed as send's
 * dlr-url writes it, at the place it was read from. Undefined when the line no longer
 * parses: the row keeps its old id.
 */
export function currentEventId(row: CopiedEventRow): string | undefined {
  if (row.message_id !== null) return reportEventId({ messageId: row.message_id, status: row.status as DlrStatus, kannelId: null, gatewayTime: null }, () => '')
  let source: EventSource
  try {
    source = JSON.parse(row.source) as EventSource
  } catch {
    return undefined
  }
  const parsed = parseDlrLine(row.raw, { receivedAt: new Date(0), source, names: DLR_PARAMS, feedbackPath: DEFAULT_FEEDBACK_PATH })
  return parsed.kind === 'event' ? parsed.event.eventId.toLowerCase() : undefined
}
