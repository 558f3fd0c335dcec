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
        store.recordSend({ messageId: pin.messageId, sequence: pin.messageId.slice(-4), recipient: '+4917*****567', sentAt: new Date(start + pin.sentAt * 1000).toISOString(), outcome: 'accepted', gateway: 'http://127.0.0.1:13013' })
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
