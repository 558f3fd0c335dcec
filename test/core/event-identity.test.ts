import { describe, expect, it } from 'vitest'
import { callbackToken } from '../../src/core/callback-token.js'
import { parseDlrLine, type ParseContext, type ParsedLine } from '../../src/core/dlr.js'
import { admitReport, legacyEventId } from '../../src/core/event-identity.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'

const SECRET = 'unit-secret-0123456789abcdef0123'
const MESSAGE = '019ad0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d'
const TOKEN = callbackToken(SECRET, MESSAGE, '4711')
const context: ParseContext = { receivedAt: new Date('2026-11-28T12:00:00Z'), source: { kind: 'file', file: 'log', line: 7 }, names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback' }
const CALLBACK = `seq=4711&msgid=${MESSAGE}&kid=e2f00e20-f88f-41d0-8dd5-4688117db389&dlr=1&reply=&smscmsgid=f8f5a864&recipient=%2B491701234567&sender=13013&time=1795891163&smsc=fake1&token=${TOKEN}`
/** A bearerbox line in the recommended format, as Kannel 1.4.5 wrote it (dlr-url with our doubled %%). */
const bearerbox = (dlrUrl: string, flags = '-1:-1:-1:-1:1') =>
  `2026-11-28 18:39:23 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:f8f5a864] [META:?orig_msg?dlr_mask=31&] [from:13013] [to:+491701234567] [flags:${flags}] [ID:e2f00e20-f88f-41d0-8dd5-4688117db389] [dlr-url:${dlrUrl}] [msg:0:] [udh:0:]`
const OUR_DLR_URL = `http://127.0.0.1:8080/smsKannelfeedback?seq=4711&msgid=${MESSAGE}&kid=%I&dlr=%d&reply=%A&smscmsgid=%F&time=%T&token=${TOKEN}`
const DEFAULT_DLR8 = '2026-11-28 09:38:09 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:] [META:?orig_msg?dlr_mask=9&] [from:13013] [to:600] [flags:-1:-1:-1:-1:8] [msg:4:ACK/] [udh:0:]'

function event(line: string, at: ParseContext = context): Extract<ParsedLine, { kind: 'event' }> {
  const parsed = parseDlrLine(line, at)
  if (parsed.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(parsed)}`)
  return parsed
}

describe('one report, one id, whichever line it came from', () => {
  it.each([
    ['a bare query', CALLBACK],
    ['the callback path', `/smsKannelfeedback?${CALLBACK}`],
    ['an Apache line answered 200', `127.0.0.1 - - [28/Nov/2026:18:39:24 +0000] "GET /smsKannelfeedback?${CALLBACK} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`],
    ['with junk parameters', `${CALLBACK}&utm=1&x=${'y'.repeat(50)}`],
    ['with invented receipt fields', CALLBACK.replace('time=1795891163', 'time=1').replace('smscmsgid=f8f5a864', 'smscmsgid=other')],
    ['bearerbox, recommended format', bearerbox(OUR_DLR_URL.replaceAll('%', '%%').replaceAll('%%I', '%I').replaceAll('%%d', '%d').replaceAll('%%A', '%A').replaceAll('%%F', '%F').replaceAll('%%T', '%T'))],
    ['bearerbox, shorter [flags:%d]', bearerbox(OUR_DLR_URL, '1')],
  ])('%s', (_, line) => {
    const parsed = event(line)
    expect(parsed.event).toMatchObject({ eventId: event(CALLBACK).event.eventId, messageId: MESSAGE, sequence: '4711', status: 'delivered' })
    expect(admitReport(SECRET, false, parsed)).toBe('store')
  })

  it('gives another DLR type of the same message another id, and the same type of another message another id', () => {
    const ids = new Set([CALLBACK, CALLBACK.replace('dlr=1', 'dlr=8'), CALLBACK.replace(MESSAGE, '019ad0c4-1f2e-7a3b-8c4d-000000000000')].map((line) => event(line).event.eventId))
    expect(ids.size).toBe(3)
  })

  it('reads a dlr-url whose host has brackets, and Kannel\'s doubled %% in it', () => {
    const parsed = event(bearerbox(`http://[::1]:8080/smsKannelfeedback?seq=4711&msgid=m%%C3%%A4&kid=%I&dlr=%d`))
    expect(parsed.event).toMatchObject({ messageId: 'mä', sequence: '4711' })
  })

  it('treats a bearerbox line whose dlr-url is not ours as Kannel\'s own record: nothing to check', () => {
    for (const url of ['', 'http://other.app/dlr?id=5&type=%d']) {
      const parsed = event(bearerbox(url))
      expect(parsed.unsignedSource).toBe(true)
      expect(admitReport(SECRET, false, parsed)).toBe('store')
    }
  })

  it('refuses, with a secret, a bearerbox line naming our message with a wrong token', () => {
    expect(admitReport(SECRET, false, event(bearerbox(OUR_DLR_URL.replace(TOKEN, '0'.repeat(32)))))).toBe('refuse')
  })

  it('tells identical default-format bearerbox lines apart by their place, and knows the same place again', () => {
    const at = (line: number): ParseContext => ({ ...context, source: { kind: 'file', file: 'access.log', line } })
    expect(event(DEFAULT_DLR8, at(3)).event.eventId).not.toBe(event(DEFAULT_DLR8, at(4)).event.eventId)
    expect(event(DEFAULT_DLR8, at(3)).event.eventId).toBe(event(DEFAULT_DLR8, { ...at(3), source: { kind: 'stdin', line: 3 } }).event.eventId)
  })

  it('keeps a query of another template apart by its own fields only', () => {
    const names = { ...DLR_PARAMS, dlrType: 'd', smscMessageId: 'F' }
    const other = (query: string) => event(query, { ...context, names }).event.eventId
    expect(other('d=1&F=abc&tag=x')).toBe(other('d=1&F=abc&tag=y'))
    expect(other('d=1&F=abc')).not.toBe(other('d=1&F=abd'))
  })
})

describe('access-log lines the receiver did not take', () => {
  it.each([403, 400, 404, 500, 503, 302])('skips a %i with its status', (status) => {
    const line = `203.0.113.9 - - [28/Nov/2026:10:16:54 +0000] "GET /smsKannelfeedback?seq=9999&msgid=attacker&dlr=1 HTTP/1.1" ${status} 10 "-" "curl"`
    expect(parseDlrLine(line, context)).toEqual({ kind: 'skip', reason: `answered ${status} by the receiver`, httpStatus: status })
  })
})

describe('the id old stores used', () => {
  it('is what the previous release computed for a query and for a bearerbox line', () => {
    // Values the previous release stored for these lines (test/fixtures/golden before the change).
    expect(legacyEventId({ rawFormat: 'bearerbox-log', raw: DEFAULT_DLR8, gatewayTime: '2026-11-28T09:38:09' })).toBe('6b0aa101ad3530a25cf90927fd78e9e4')
    const raw = 'tag=mask8&d=8&A=ACK%2F&F=&I=bb7475e8-e676-4db2-b625-e85d9e09f5c6&p=555&P=13013&t=1795858660'
    expect(legacyEventId({ rawFormat: 'query', raw, gatewayTime: '2026-11-28T09:37:40Z' })).toBe('6b0aa0e48225d956fe1a3de9e92105f4')
  })
})
