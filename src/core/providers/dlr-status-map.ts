import { DLR_TYPES, type DlrStatus } from '../dlr.js'

/** A gateway's own status values, lower-cased, each mapped to the Kannel DLR type that means the same. */
export type DlrStatusMap = ReadonlyMap<string, number>

/**
 * `unknown`: a report that says nothing final (Vonage's `unknown`). It is stored as DLR 8,
 * accepted and not final: a gateway that reports on a message has taken it.
 */
const TYPE_FOR_MEANING: Readonly<Record<DlrStatus | 'unknown', number>> = {
  ...(Object.fromEntries(Object.entries(DLR_TYPES).map(([type, meaning]) => [meaning, Number(type)])) as Record<DlrStatus, number>),
  unknown: 8,
}

/**
 * `DELIVRD=delivered, UNDELIV=undelivered, ENROUTE=buffered, ACCEPTD=accepted,
 * REJECTD=rejected, UNKNOWN=unknown`: the value a gateway puts in its callback, then what it
 * means. Values are kept lower-cased, so a callback's value matches whatever its case.
 * @example parseDlrStatusMap('0=delivered,2=undelivered').get('0') === 1
 */
export function parseDlrStatusMap(text: string): DlrStatusMap | { error: string } {
  const map = new Map<string, number>()
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue
    const match = /^\s*([^=\s]+)\s*=\s*([a-z]+)\s*$/.exec(pair)
    const meaning = match?.[2] as keyof typeof TYPE_FOR_MEANING | undefined
    if (!match || !meaning || !Object.hasOwn(TYPE_FOR_MEANING, meaning)) {
      return { error: `"${pair.trim().slice(0, 30)}" is not VALUE=MEANING with MEANING one of ${Object.keys(TYPE_FOR_MEANING).join(', ')}` }
    }
    const value = match[1]!.toLowerCase()
    const known = map.get(value)
    if (known !== undefined && known !== TYPE_FOR_MEANING[meaning]) return { error: `"${match[1]!.slice(0, 30)}" is given two meanings (values match whatever their case)` }
    map.set(value, TYPE_FOR_MEANING[meaning])
  }
  return map
}
