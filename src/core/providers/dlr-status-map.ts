import { DLR_TYPES, type DlrStatus } from '../dlr.js'

/** A gateway's own status values, each mapped to the Kannel DLR type that means the same. */
export type DlrStatusMap = ReadonlyMap<string, number>

const TYPE_FOR_MEANING: Readonly<Record<DlrStatus, number>> = Object.fromEntries(Object.entries(DLR_TYPES).map(([type, meaning]) => [meaning, Number(type)])) as Record<DlrStatus, number>

/**
 * `DELIVRD=delivered, UNDELIV=undelivered, ENROUTE=buffered, ACCEPTD=accepted,
 * REJECTD=rejected`: the value a gateway puts in its callback, then what it means.
 * @example parseDlrStatusMap('0=delivered,2=undelivered').get('0') === 1
 */
export function parseDlrStatusMap(text: string): DlrStatusMap | { error: string } {
  const map = new Map<string, number>()
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue
    const match = /^\s*([^=\s]+)\s*=\s*([a-z]+)\s*$/.exec(pair)
    const meaning = match?.[2] as DlrStatus | undefined
    if (!match || !meaning || !Object.hasOwn(TYPE_FOR_MEANING, meaning)) {
      return { error: `"${pair.trim().slice(0, 30)}" is not VALUE=MEANING with MEANING one of ${Object.keys(TYPE_FOR_MEANING).join(', ')}` }
    }
    map.set(match[1]!, TYPE_FOR_MEANING[meaning])
  }
  return map
}
