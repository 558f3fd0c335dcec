import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDlrLine, resolveDlrParamNames, type DlrParamNames } from '../../src/core/dlr.js'
import { storeEvents } from '../../src/shell/event-store.js'
import { openStore } from '../../src/shell/store.js'

export interface FakePin {
  messageId: string
  /** Seconds after the store's start time. */
  sentAt: number
  /** Reports: DLR type, seconds after the start, SMSC reply, smsc-id. */
  reports: Array<{ dlr: number; at: number; reply?: string; smsc?: string }>
  /** false: Kannel refused it, so send recorded nothing (its reports may still come). */
  recorded?: boolean
  /** What send recorded: accepted (the default), or `failed (exit N)` when nothing went out. */
  outcome?: string
}

/**
 * A store holding sends and the reports Kannel would have called back with, written through
 * the store's own API from parsed callback URLs: what send and serve would leave.
 */
export async function makeReportStore(startIso: string, pins: readonly FakePin[]): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-report-')), 'events.db')
  const store = await openStore(path)
  const names = resolveDlrParamNames([]) as DlrParamNames
  const start = Date.parse(startIso)
  try {
    for (const pin of pins) {
      if (pin.recorded !== false) {
        store.recordSend({ messageId: pin.messageId, sequence: pin.messageId.slice(-4), recipient: '+4917*****567', sentAt: new Date(start + pin.sentAt * 1000).toISOString(), outcome: pin.outcome ?? 'accepted', gateway: 'http://127.0.0.1:13013' })
      }
      const events = pin.reports.map((report) => {
        const query = new URLSearchParams({
          seq: pin.messageId.slice(-4), msgid: pin.messageId, dlr: String(report.dlr), reply: report.reply ?? (report.dlr === 8 ? 'ACK/' : ''),
          time: String(Math.floor((start + report.at * 1000) / 1000)), smsc: report.smsc ?? 'fake1',
        })
        const parsed = parseDlrLine(query.toString(), { names, feedbackPath: '/smsKannelfeedback', receivedAt: new Date(start + report.at * 1000 + 300), source: { kind: 'http' } })
        if (parsed.kind !== 'event') throw new Error(`not a DLR: ${query}`)
        return parsed.event
      })
      await storeEvents(store, events, false)
    }
  } finally {
    store.close()
  }
  return path
}

/** A UUID v7 message id made at `seconds` after `startIso`, as send makes them; `n` keeps it unique. */
function v7(startIso: string, seconds: number, n: number): string {
  const hex = (Date.parse(startIso) + seconds * 1000).toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${String(n).padStart(12, '0')}`
}

/** Deterministic pseudo-random PINs around `startIso`: every kind of report, order, repeat and tie. */
export function mixedPins(startIso: string, count: number): FakePin[] {
  let seed = 12345
  const next = (limit: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % limit)
  const dlrs = [1, 2, 4, 8, 16, 3, 18, 24, 9]
  const replies = ['NACK/11/Invalid Destination Address', 'NACK/no SMSC', 'id:x sub:001 dlvrd:000 stat:UNDELIV err:011 text:', 'ACK/', '', 'odd reply']
  return Array.from({ length: count }, (_, index) => {
    const sentAt = next(6 * 3600) - 3600
    const reports = Array.from({ length: next(5) }, () => ({
      dlr: dlrs[next(dlrs.length)]!,
      at: sentAt + next(40) - 5,
      reply: replies[next(replies.length)]!,
      smsc: ['smpp1', 'smpp2', 'fake1'][next(3)]!,
    }))
    const messageId = index % 7 === 0 ? `legacy-${index}` : v7(startIso, sentAt, index)
    // Every eleventh send failed: with no report it was not sent, with one it went out after all.
    return { messageId, sentAt, reports, recorded: next(5) !== 0, outcome: index % 11 === 3 ? `failed (exit ${index % 2 === 0 ? 69 : 75})` : index % 13 === 5 ? 'failed (exit 75, may have been sent)' : 'accepted' }
  })
}
