import { describe, expect, it } from 'vitest'
import type { ParseContext } from '../../src/core/dlr.js'
import { callbackToken } from '../../src/core/callback-token.js'
import { admitLine, countLine, countStored, emptyTally, type AdmissionRules, type Tally } from '../../src/core/ingest.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'

const context: ParseContext = {
  receivedAt: new Date('2026-11-28T10:00:00Z'),
  source: { kind: 'argument', index: 1 },
  names: { ...DLR_PARAMS },
  feedbackPath: '/smsKannelfeedback',
}
const SECRET = 'ingest-secret-0123456789abcdef'
const report = 'seq=4711&msgid=6f1c&dlr=1&time=1795858642'
const signed = `${report}&${DLR_PARAMS.token}=${callbackToken(SECRET, '6f1c', '4711')}`
const accessLog = (status: number) => `127.0.0.1 - - [28/Nov/2026:09:00:00 +0000] "GET /smsKannelfeedback?${report} HTTP/1.1" ${status} 3 "-" "Kannel/1.4.5"`

const open: AdmissionRules = { secret: undefined, acceptUnsigned: false, forward: true }
const guarded: AdmissionRules = { secret: SECRET, acceptUnsigned: false, forward: true }
const history: AdmissionRules = { secret: SECRET, acceptUnsigned: true, forward: true }

describe('admitLine and countLine: one rule for every way in', () => {
  const rows: Array<[string, string | undefined, AdmissionRules, { kind: string; forward?: boolean }, Partial<Tally>]> = [
    ['a report without a secret is stored and forwarded', report, open, { kind: 'store', forward: true }, {}],
    ['a signed report is stored and forwarded', signed, guarded, { kind: 'store', forward: true }, {}],
    ['an unsigned report is refused while a secret is set', report, guarded, { kind: 'refused' }, { refused: 1 }],
    ['with --accept-unsigned it is stored, never forwarded, and counted', report, history, { kind: 'store', forward: false }, { acceptedUnsigned: 1 }],
    ['a line that is no report is bad', 'hello', open, { kind: 'bad' }, { bad: 1 }],
    ['a line over the limit (dropped unread) is bad', undefined, open, { kind: 'bad' }, { bad: 1 }],
    ['a blank line is skipped', '', open, { kind: 'skip' }, { skipped: 1 }],
    ['an access-log request answered 503 is counted apart', accessLog(503), open, { kind: 'skip' }, { answeredNon2xx: 1 }],
  ]
  it.each(rows)('%s', (_name, text, rules, verdict, counted) => {
    const tally = emptyTally()
    const admitted = admitLine(text, context, rules)
    countLine(tally, admitted)
    expect(admitted).toMatchObject(verdict)
    expect(tally).toEqual({ ...emptyTally(), lines: 1, ...counted })
  })

  it('an over-long line is refused with the same reason the parser gives', () => {
    expect(admitLine(undefined, context, open)).toEqual(admitLine('x'.repeat(65 * 1024), context, open))
  })

  it('counts what a commit says was new and what was stored before', () => {
    const tally = emptyTally()
    countStored(tally, [true, false, true])
    countStored(tally, [])
    expect(tally).toMatchObject({ new: 2, duplicates: 1 })
  })
})
