import { describe, expect, it } from 'vitest'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { legacyEventId } from '../../src/core/event-identity.js'
import { parseDlrLine, parseGatewayTime, parseSmscReply, resolveDlrParamNames, type DeliveryEvent, type ParseContext } from '../../src/core/dlr.js'

const context: ParseContext = {
  receivedAt: new Date('2026-11-28T10:00:00Z'),
  source: { kind: 'argument', index: 1 },
  names: { ...DLR_PARAMS },
  feedbackPath: '/smsKannelfeedback',
}

const ours = 'seq=4711&msgid=6f1c&dlr=1&reply=&smscmsgid=c951cb6d&recipient=%2B491701234567&sender=13013&time=1795858642&smsc=fake1'

function eventOf(line: string, ctx: ParseContext = context): DeliveryEvent {
  const parsed = parseDlrLine(line, ctx)
  if (parsed.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(parsed)}`)
  return parsed.event
}

describe('parseDlrLine reads what send puts into the dlr-url', () => {
  it('as a bare query string', () => {
    expect(eventOf(ours)).toEqual({
      schema: 'sms-kannel/dlr-event@1',
      eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
      messageId: '6f1c',
      sequence: '4711',
      dlr: 1,
      status: 'delivered',
      statusText: 'delivered to the phone',
      types: ['delivered'],
      final: true,
      successful: true,
      recipient: '+491701234567',
      sender: '13013',
      smscId: 'fake1',
      smscMessageId: 'c951cb6d',
      gatewayTime: '2026-11-28T09:37:22Z',
      smscReply: null,
      receivedAt: '2026-11-28T10:00:00.000Z',
      source: { kind: 'argument', index: 1 },
      rawFormat: 'query',
      raw: ours,
    })
  })

  it.each([
    { name: 'a full URL', line: `http://vlx:8080/smsKannelfeedback?${ours}` },
    { name: 'a path', line: `/smsKannelfeedback?${ours}` },
    { name: 'a leading ?', line: `?${ours}` },
    { name: 'a CRLF line end', line: `${ours}\r` },
    { name: 'a #fragment Kannel sent along', line: `${ours}#frag` },
    { name: 'the same pairs in another order and encoding', line: 'smsc=fake1&time=1795858642&sender=13013&recipient=%2b491701234567&smscmsgid=c951cb6d&reply=&dlr=1&msgid=6f1c&seq=4711' },
  ])('as $name, with the same event id', ({ line }) => {
    const event = eventOf(line)
    expect(event.eventId).toBe(eventOf(ours).eventId)
    expect(event.sequence).toBe('4711')
  })

  it('reads an Apache/nginx combined access-log line; the log time is the receive time', () => {
    const line = `127.0.0.1 - - [28/Nov/2026:10:37:22 +0100] "GET /smsKannelfeedback?${ours} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`
    const event = eventOf(line)
    expect(event.receivedAt).toBe('2026-11-28T09:37:22.000Z')
    expect(event.eventId).toBe(eventOf(ours).eventId)
  })

  it.each([
    { name: 'another path in the access log', line: '10.0.0.1 - - [28/Nov/2026:10:37:22 +0000] "GET /favicon.ico HTTP/1.1" 404 0 "-" "x"' },
    { name: 'a POST to the feedback path', line: '10.0.0.1 - - [28/Nov/2026:10:37:22 +0000] "POST /smsKannelfeedback?dlr=1 HTTP/1.1" 200 0 "-" "x"' },
    { name: 'a blank line', line: '   ' },
    { name: 'bearerbox\'s "Sent SMS"', line: '2026-11-28 09:33:14 Sent SMS [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:] [META:] [from:13013] [to:12345] [flags:-1:0:-1:-1:-1] [msg:11:Hello world] [udh:0:]' },
  ])('skips $name', ({ line }) => {
    expect(parseDlrLine(line, context).kind).toBe('skip')
  })

  it.each([
    { name: 'no dlr parameter', line: 's=1', reason: /no "dlr" parameter \(for another dlr-url template: --param dlr=NAME\)/ },
    { name: 'a DLR type that is not one', line: 'dlr=32', reason: /dlr=32 is not a DLR type/ },
    { name: 'a word for a type', line: 'dlr=eight', reason: /not a DLR type/ },
    { name: 'a line longer than 64 KiB', line: `dlr=1&x=${'a'.repeat(65 * 1024)}`, reason: /longer than 64 KiB/ },
    { name: 'a broken access-log time', line: `1.2.3.4 - - [28/Foo/2026:10:37:22 +0000] "GET /smsKannelfeedback?dlr=1 HTTP/1.1" 200 3 "-" "x"`, reason: /access-log time/ },
  ])('calls $name bad, with a reason', ({ line, reason }) => {
    const parsed = parseDlrLine(line, context)
    expect(parsed.kind).toBe('bad')
    expect(parsed.kind === 'bad' && parsed.reason).toMatch(reason)
  })

  it.each([
    { dlr: 1, status: 'delivered', final: true, successful: true },
    { dlr: 2, status: 'undelivered', final: true, successful: false },
    { dlr: 4, status: 'buffered', final: false, successful: null },
    { dlr: 8, status: 'accepted', final: false, successful: null },
    { dlr: 16, status: 'rejected', final: true, successful: false },
    { dlr: 9, status: 'delivered', final: true, successful: true },
    { dlr: 12, status: 'accepted', final: false, successful: null },
    { dlr: 18, status: 'rejected', final: true, successful: false },
  ])('DLR type $dlr means $status (final $final, successful $successful)', ({ dlr, status, final, successful }) => {
    expect(eventOf(`dlr=${dlr}`)).toMatchObject({ dlr, status, final, successful })
  })

  it('survives hostile encodings: a lone %, bad UTF-8, __proto__, repeated keys', () => {
    const event = eventOf('__proto__=x&constructor=y&msgid=%&seq=%FF%FE&seq=second&dlr=8&dlr=1')
    expect(event).toMatchObject({ messageId: '%', sequence: '\uFFFD\uFFFD', dlr: 8 })
    expect(({} as Record<string, unknown>)['x']).toBeUndefined()
  })

  it('uses configured parameter names for other templates', () => {
    const names = resolveDlrParamNames(['dlr=d,reply=A', 'smscmsgid=F', 'recipient=p', 'time=t'])
    if ('error' in names) throw new Error(names.error)
    const event = eventOf('tag=mask9&d=8&A=ACK%2F&F=&I=b3e7&p=555&P=13013&t=1795858664', { ...context, names })
    expect(event).toMatchObject({ dlr: 8, status: 'accepted', recipient: '555', smscReply: { kind: 'ack', text: '' }, smscMessageId: null })
  })

  it('refuses an unknown parameter name', () => {
    expect(resolveDlrParamNames(['status=d'])).toEqual({ error: expect.stringMatching(/"status=d" is not NAME=QUERYNAME/) })
  })
})

describe('bearerbox access-log "Receive DLR" lines', () => {
  it('are read in smskannel.logtimezone and stored in UTC, keeping the event id the time as written gives', () => {
    const line = '2026-11-28 09:49:35 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:3826dcc3] [META:?orig_msg?dlr_mask=9&] [from:13013] [to:600] [flags:-1:-1:-1:-1:1] [ID:0a1b] [msg:0:] [udh:0:]'
    const unknown = eventOf(line)
    const berlin = eventOf(line, { ...context, logTimeZone: () => 'Europe/Berlin' })
    expect(berlin.gatewayTime).toBe('2026-11-28T08:49:35Z')
    expect(eventOf(line, { ...context, logTimeZone: () => 'Asia/Tokyo' }).gatewayTime).toBe('2026-11-28T00:49:35Z')
    expect(berlin.eventId).toBe(unknown.eventId)
    expect(legacyEventId({ ...berlin, rawFormat: 'bearerbox-log' })).toBe(legacyEventId({ ...unknown, rawFormat: 'bearerbox-log' }))
  })

  it('become events: the DLR type from the last flag, from/to as sender/recipient', () => {
    const line = '2026-11-28 09:49:35 Receive DLR [SMSC:] [SVC:tester] [ACT:] [BINF:] [FID:] [META:?orig_msg?dlr_mask=31&] [from:13013] [to:9991234] [flags:-1:-1:-1:-1:16] [msg:12:NACK/no SMSC] [udh:0:]'
    expect(eventOf(line)).toMatchObject({
      dlr: 16,
      status: 'rejected',
      recipient: '9991234',
      sender: '13013',
      smscId: null,
      gatewayTime: '2026-11-28T09:49:35',
      smscReply: { kind: 'nack', code: null, text: 'no SMSC' },
      messageId: null,
    })
  })
})

describe('parseSmscReply', () => {
  it.each([
    { raw: 'ACK/', want: { kind: 'ack', text: '' } },
    { raw: 'NACK/no SMSC', want: { kind: 'nack', code: null, text: 'no SMSC' } },
    {
      raw: 'NACK/0x0000000b/Invalid Destination Address',
      want: { kind: 'nack', code: '0x0000000b', text: 'Invalid Destination Address', smpp: { value: 11, name: 'ESME_RINVDSTADR', meaning: 'invalid destination address' } },
    },
    { raw: 'NACK/11/Invalid Destination', want: { kind: 'nack', code: '11', text: 'Invalid Destination', smpp: { hex: '0x0000000b', name: 'ESME_RINVDSTADR' } } },
    {
      raw: 'id:c951cb6d sub:001 dlvrd:001 submit date:2611280937 done date:2611280938 stat:DELIVRD err:000 text:PIN: 1 id:x',
      want: { kind: 'receipt', id: 'c951cb6d', sub: '001', dlvrd: '001', submitDate: '2611280937', doneDate: '2611280938', stat: 'DELIVRD', err: '000', text: 'PIN: 1 id:x' },
    },
    { raw: 'something else', want: { kind: 'other' } },
  ])('reads $raw', ({ raw, want }) => {
    expect(parseSmscReply(raw)).toMatchObject({ raw, ...want })
  })
})

describe('parseGatewayTime', () => {
  it.each([
    { value: '1795858642', want: '2026-11-28T09:37:22Z' },
    { value: '2026-11-28 09:37:22', want: '2026-11-28T09:37:22' },
    { value: '2026-11-28+09:37:22', want: '2026-11-28T09:37:22' },
    { value: 'yesterday', want: null },
    { value: '', want: null },
  ])('reads $value', ({ value, want }) => {
    expect(parseGatewayTime(value)).toBe(want)
  })
})
