import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { resolveConfig, type SourceValues } from '../../src/core/config.js'
import { EXIT } from '../../src/core/errors.js'
import { exitCodeOf } from '../helpers/exit-code.js'
import type { GatewayReply } from '../../src/core/kannel-response.js'
import { providerFor } from '../../src/core/providers/index.js'
import { resolveSms4deSettings } from '../../src/core/providers/sms4de-config.js'
import { classifySms4deCheckReply, classifySms4deSendReply, parseSms4deDlrReply, sms4deTime } from '../../src/core/providers/sms4de-reply.js'
import { buildSms4deDlrRequest, buildSms4deSendRequest, describeSms4deRequest, formatHandynr } from '../../src/core/providers/sms4de-request.js'
import { encodeLatin9, hexForms, prepareSms4deText, toUcs2Hex } from '../../src/core/providers/sms4de-text.js'

const PASSWORD = 'Pä$s&w=rd'
const values = (extra: Record<string, string> = {}): SourceValues =>
  Object.fromEntries(
    Object.entries({ 'sms.provider': 'sms4de', 'sms4de.user': 'vlxsms', 'sms4de.password': PASSWORD, 'sms4de.kdnr': '12345', ...extra }).map(([key, value]) => [key, { value, where: 'test' }]),
  )
const settings = (extra: Record<string, string> = {}) => resolveSms4deSettings(resolveConfig({ file: values(extra) }).values)
const reply = (body: string, status = 200): GatewayReply => ({ status, server: 'Apache', body })

describe('ISO-8859-15 and UCS-2 hex', () => {
  it.each([
    { text: 'Größe €', bytes: [0x47, 0x72, 0xf6, 0xdf, 0x65, 0x20, 0xa4] },
    { text: 'ŠšŽžŒœŸ', bytes: [0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe] },
    { text: 'PIN\n1', bytes: [0x50, 0x49, 0x4e, 0x0a, 0x31] },
  ])('encodes $text in ISO-8859-15', ({ text, bytes }) => {
    expect([...encodeLatin9(text)!]).toEqual(bytes)
  })

  it.each(['¤', '¦', '¨', '´', '¸', '¼', '½', '¾', 'Ж', '😀', 'ł'])('has no ISO-8859-15 byte for %s (Latin-1 has some of them; Latin-9 replaced them)', (character) => {
    expect(encodeLatin9(`a${character}`)).toBeUndefined()
  })

  it.each([
    { text: 'тест', hex: '0442043504410442' },
    { text: 'Ж1', hex: '04160031' },
    { text: '😀', hex: 'D83DDE00' },
  ])('writes $text as UCS-2 hex $hex', ({ text, hex }) => {
    expect(toUcs2Hex(text)).toBe(hex)
  })
})

describe('prepareSms4deText: SMS4.de\'s limits, refused rather than cut', () => {
  it.each([
    { name: '160 ISO-8859-15 characters fit', text: 'ä'.repeat(160), encoding: 'iso-8859-15', exit: EXIT.ok },
    { name: '161 do not', text: 'ä'.repeat(161), encoding: 'iso-8859-15', exit: EXIT.input },
    { name: '€ counts one character for SMS4.de', text: '€'.repeat(160), encoding: 'iso-8859-15', exit: EXIT.ok },
    { name: '70 UCS-2 characters fit', text: 'Ж'.repeat(70), encoding: 'ucs2', exit: EXIT.ok },
    { name: '71 do not', text: 'Ж'.repeat(71), encoding: 'ucs2', exit: EXIT.input },
    { name: 'an emoji is two UCS-2 units', text: '😀'.repeat(36), encoding: 'ucs2', exit: EXIT.input },
    { name: 'an empty text', text: '\n', encoding: 'iso-8859-15', exit: EXIT.input },
    { name: 'a control character is removed, never refused', text: 'PIN\u00071', encoding: 'iso-8859-15', exit: EXIT.ok },
  ])('$name', ({ text, encoding, exit }) => {
    expect(exitCodeOf(() => prepareSms4deText(text))).toBe(exit)
    if (exit === EXIT.ok) expect(prepareSms4deText(text).encoding).toBe(encoding)
  })

  it('removes a control character with a warning, as for Kannel', () => {
    const prepared = prepareSms4deText('PIN\u00071')
    expect(prepared.text).toBe('PIN1')
    expect(prepared.warnings).toHaveLength(1)
  })

  it('warns when € and brackets make the GSM text longer than one SMS', () => {
    expect(prepareSms4deText('€'.repeat(81)).warnings[0]).toMatch(/162 GSM 7-bit units/)
  })
})

describe('formatHandynr: country code first, no + or 00', () => {
  it.each([
    { number: '+491701234567', want: '491701234567' },
    { number: '491701234567', want: '491701234567' },
    { number: '01701234567', want: 'exit 65' },
    { number: '+4912', want: 'exit 65' },
    { number: '+4917012345678901', want: 'exit 65' },
  ])('$number → $want', ({ number, want }) => {
    const result = exitCodeOf(() => formatHandynr(number))
    expect(result === EXIT.ok ? formatHandynr(number) : `exit ${result}`).toBe(want)
  })
})

describe('the sms4de.* settings', () => {
  it.each([
    { name: 'an alphanumeric sender of 6-11', extra: { 'sms4de.sender': 'VISULOX' }, exit: EXIT.ok },
    { name: 'a numeric sender with +', extra: { 'sms4de.sender': '+491701234567' }, exit: EXIT.ok },
    { name: 'a sender of 5 letters', extra: { 'sms4de.sender': 'VISUL' }, exit: EXIT.config },
    { name: 'a sender with a dash', extra: { 'sms4de.sender': 'VLX-GW1' }, exit: EXIT.config },
    { name: 'a numeric sender of 15 digits', extra: { 'sms4de.sender': '123456789012345' }, exit: EXIT.config },
    { name: 'tarif 7', extra: { 'sms4de.tarif': '7' }, exit: EXIT.ok },
    { name: 'tarif 2', extra: { 'sms4de.tarif': '2' }, exit: EXIT.config },
    { name: 'a password ISO-8859-15 lacks', extra: { 'sms4de.password': 'pass-Ж' }, exit: EXIT.config },
    { name: 'a password with a newline', extra: { 'sms4de.password': 'pass\n' }, exit: EXIT.config },
    { name: 'a send URL with a query', extra: { 'sms4de.url': 'https://www.sms4.de/cgi-bin/sms_out.pl?x=1' }, exit: EXIT.config },
    { name: 'a minimum balance that is not an amount', extra: { 'sms4de.minbalance': 'ten' }, exit: EXIT.config },
  ])('$name: exit $exit', ({ extra, exit }) => {
    expect(exitCodeOf(() => settings(extra))).toBe(exit)
  })

  it('never shows the password in a configuration error', () => {
    expect(() => settings({ 'sms4de.password': `${PASSWORD}\u0001` })).toThrow(/^sms4de\.password \(from test\) contains control characters/)
  })

  it('Kannel\'s keys are not required for an SMS4.de site, and SMS4.de\'s are', () => {
    expect(providerFor(resolveConfig({ file: values() })).name).toBe('sms4de')
    expect(() => providerFor(resolveConfig({ file: values({ 'sms4de.user': '' }) }))).toThrow(/sms4de\.user is not set/)
    expect(() => resolveConfig({ file: values({ 'sms.provider': 'twilio' }) })).toThrow(/sms\.provider "twilio" \(from test\) must be kannel or sms4de/)
  })
})

describe('the requests', () => {
  it('POSTs every field in ISO-8859-15, the text last; a leading + of the sender as %20%2B', () => {
    const request = buildSms4deSendRequest(settings({ 'sms4de.sender': '+491709999999', 'sms4de.tarif': '7' }), { to: '+491701234567', text: 'Größe €', encoding: 'iso-8859-15' })
    expect(request).toEqual({
      method: 'POST',
      url: 'https://www.sms4.de/cgi-bin/sms_out.pl',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'handynr=491701234567&user=vlxsms&pwd=P%E4%24s%26w%3Drd&kdnr=12345&absender=%20%2B491709999999&tarif=7&v=1&text=Gr%F6%DFe%20%A4',
    })
    expect(describeSms4deRequest(request).body).toBe('handynr=491701234567&user=vlxsms&pwd=********&kdnr=12345&absender=%20%2B491709999999&tarif=7&v=1&text=Gr%F6%DFe%20%A4')
  })

  it('GETs with the password only in the query, hidden when described', () => {
    const request = buildSms4deSendRequest(settings({ 'sms4de.method': 'get' }), { to: '+79161234567', text: 'тест', encoding: 'ucs2' })
    expect(request.url).toBe('https://www.sms4.de/cgi-bin/sms_out.pl?handynr=79161234567&user=vlxsms&pwd=P%E4%24s%26w%3Drd&kdnr=12345&v=1&kodierung=ucs&text=0442043504410442')
    expect(describeSms4deRequest(request).url).toBe('https://www.sms4.de/cgi-bin/sms_out.pl?handynr=79161234567&user=vlxsms&pwd=********&kdnr=12345&v=1&kodierung=ucs&text=0442043504410442')
  })

  it('asks the DLR API about several ids in one GET, without the password', () => {
    expect(buildSms4deDlrRequest(settings(), ['404001', '404002']).url).toBe('https://www.sms4.de/restapi/v1/dlr/12345/404001,404002')
  })
})

describe('classifySms4deSendReply', () => {
  it.each([
    { name: 'the id on its own line', body: 'SMS erfolgreich versendet\n40412345\n', id: '40412345' },
    { name: 'the id after SMS-Id:', body: 'SMS erfolgreich versendet\nSMS-Id: 40412345', id: '40412345' },
    { name: 'the id after ID: on the same line', body: 'SMS erfolgreich versendet. ID:40412345', id: '40412345' },
    { name: 'no id', body: 'SMS erfolgreich versendet', id: null },
  ])('accepts $name', ({ body, id }) => {
    const classified = classifySms4deSendReply(reply(body), PASSWORD)
    expect(classified).toMatchObject({ outcome: 'accepted', providerId: id })
    expect(classified.warnings).toHaveLength(id ? 0 : 1)
  })

  it.each([
    { name: 'wrong credentials', body: 'Fehler: Benutzer, Passwort oder Kundennummer falsch', exit: EXIT.auth },
    { name: 'a login failure in English', body: 'Error: login failed', exit: EXIT.auth },
    { name: 'HTTP 403', body: 'Forbidden', status: 403, exit: EXIT.auth },
    { name: 'too little balance', body: 'Fehler: Guthaben nicht ausreichend', exit: EXIT.gatewayRejected },
    { name: 'a refused number', body: 'Fehler: Handynummer ungueltig', exit: EXIT.gatewayRejected },
    { name: 'an empty body', body: '', exit: EXIT.protocol },
    { name: 'an HTML page', body: '<!DOCTYPE html><html><body>Wartung</body></html>', exit: EXIT.protocol },
    { name: 'a 404', body: 'Not Found', status: 404, exit: EXIT.protocol },
    { name: 'a redirect', body: 'Moved', status: 302, exit: EXIT.protocol },
    { name: 'a 503', body: 'Service Unavailable', status: 503, exit: EXIT.gatewayUnavailable },
  ])('$name: exit $exit', ({ body, status, exit }) => {
    expect(exitCodeOf(() => classifySms4deSendReply(reply(body, status), PASSWORD))).toBe(exit)
  })

  it('removes an echoed password from the message', () => {
    expect(() => classifySms4deSendReply(reply(`Fehler: Passwort ${PASSWORD} falsch`), PASSWORD)).toThrow('SMS4.de refused the credentials: Fehler: Passwort ******** falsch')
  })

  it('a 5xx may come after the SMS was sent: never resent', () => {
    let caught: unknown
    try {
      classifySms4deSendReply(reply('', 500), PASSWORD)
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ exitCode: EXIT.gatewayUnavailable, mayHaveBeenSent: true })
  })
})

describe('classifySms4deCheckReply: the balance query\'s status codes', () => {
  const xml = (status: string, balance = '') => `<?xml version="1.0"?>\n<smscheck><status>${status}</status><statustext>x</statustext>${balance}</smscheck>`
  const check = { password: PASSWORD, kdnr: '12345', minBalanceEuro: 5 }
  it.each([
    { status: '10', exit: EXIT.auth },
    { status: '11', exit: EXIT.config },
    { status: '12', exit: EXIT.config },
    { status: '13', exit: EXIT.config },
    { status: '99', exit: EXIT.protocol },
    { status: '42', exit: EXIT.protocol },
  ])('status $status: exit $exit', ({ status, exit }) => {
    expect(exitCodeOf(() => classifySms4deCheckReply(reply(xml(status)), check))).toBe(exit)
  })

  it.each([
    { balance: '34.56', warnings: 0 },
    { balance: '4,99', warnings: 1 },
  ])('status 0 with balance $balance: $warnings warning(s)', ({ balance, warnings }) => {
    const result = classifySms4deCheckReply(reply(xml('0', `<guthaben>${balance}</guthaben>`)), check)
    expect(result.details).toEqual({ balanceEuro: Number(balance.replace(',', '.')) })
    expect(result.warnings).toHaveLength(warnings)
  })

  it.each(['', 'OK', '<html>login</html>'])('"%s" is not the balance query: exit 76', (body) => {
    expect(exitCodeOf(() => classifySms4deCheckReply(reply(body), check))).toBe(EXIT.protocol)
  })
})

describe('parseSms4deDlrReply', () => {
  const sends = [
    { messageId: 'm1', sequence: '4711', providerId: '404001' },
    { messageId: 'm2', sequence: '4712', providerId: '404002' },
  ]
  const report = (smsId: string, status: string) => ({ smsId, status, statusText: 'OK', mobile: '49175123', dateTime: '2016-10-19 15:08:47', statusDetailText: 'Transfer OK - An das Telefon gesendet' })
  const at = new Date('2026-11-28T10:00:00Z')
  const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(JSON.parse(readFileSync(new URL('../../docs/dlr-event.schema.json', import.meta.url), 'utf8')))

  it.each([
    { name: 'one id: an object', body: JSON.stringify(report('404001', '0')), statuses: ['delivered'], unknown: ['404002'] },
    { name: 'several: an array', body: JSON.stringify([report('404001', '1'), report('404002', '2')]), statuses: ['accepted', 'undelivered'], unknown: [] },
    { name: 'one unknown id', body: '{"error":"smsid not found"}', statuses: [], unknown: ['404001', '404002'] },
    { name: 'several unknown ids', body: '[]', statuses: [], unknown: ['404001', '404002'] },
  ])('$name', ({ body, statuses, unknown }) => {
    const answer = parseSms4deDlrReply(reply(body), sends, at, 'Europe/Berlin')
    expect(answer.events.map((event) => event.status)).toEqual(statuses)
    expect(answer.unknownIds).toEqual(unknown)
    for (const event of answer.events) expect(validate(event) ? [] : validate.errors).toEqual([])
  })

  it('gives the same report the same event id, and a changed one a new id', () => {
    const id = (entry: object) => parseSms4deDlrReply(reply(JSON.stringify(entry)), sends, at, 'Europe/Berlin').events[0]!.eventId
    expect(id(report('404001', '0'))).toBe(id(report('404001', '0')))
    expect(id(report('404001', '0'))).not.toBe(id(report('404001', '1')))
  })

  it('fills the event from the report: our ids, SMS4.de\'s id, its time and text', () => {
    const [event] = parseSms4deDlrReply(reply(JSON.stringify(report('404002', '0'))), sends, at, 'Europe/Berlin').events
    expect(event).toMatchObject({ messageId: 'm2', sequence: '4712', dlr: 1, final: true, successful: true, smscMessageId: '404002', recipient: '49175123', gatewayTime: '2016-10-19T13:08:47Z', source: { kind: 'poll', provider: 'sms4de' }, rawFormat: 'json' })
  })

  it.each([
    { name: 'an entry without an id', body: '[{"status":"0"}]' },
    { name: 'an unknown status', body: JSON.stringify(report('404001', '7')) },
    { name: 'an id not asked about', body: JSON.stringify(report('999', '0')) },
  ])('skips $name with a warning', ({ body }) => {
    const answer = parseSms4deDlrReply(reply(body), sends, at, 'Europe/Berlin')
    expect(answer.events).toEqual([])
    expect(answer.warnings).toHaveLength(1)
  })

  it.each([
    { name: 'not JSON', body: '<html>', status: 200, exit: EXIT.protocol },
    { name: 'a 503 page', body: 'busy', status: 503, exit: EXIT.gatewayUnavailable },
    { name: 'a 401 page', body: 'no', status: 401, exit: EXIT.auth },
    { name: 'another error', body: '{"error":"access denied"}', status: 200, exit: EXIT.gatewayRejected },
  ])('$name: exit $exit', ({ body, status, exit }) => {
    expect(exitCodeOf(() => parseSms4deDlrReply(reply(body, status), sends, at, 'Europe/Berlin'))).toBe(exit)
  })
})

describe('sms4deTime', () => {
  it.each([
    { dateTime: '2026-12-07 14:23:14', zone: 'Europe/Berlin', iso: '2026-12-07T13:23:14Z' },
    { dateTime: '2026-07-01 14:23:14', zone: 'Europe/Berlin', iso: '2026-07-01T12:23:14Z' },
    { dateTime: '2026-12-07 14:23:14', zone: 'UTC', iso: '2026-12-07T14:23:14Z' },
    // The hour that repeats when summer time ends is ambiguous: read as the second (winter) one.
    { dateTime: '2026-10-25 02:30:00', zone: 'Europe/Berlin', iso: '2026-10-25T00:30:00Z' },
    { dateTime: '1795792994', zone: 'Europe/Berlin', iso: '2026-11-27T15:23:14Z' },
    { dateTime: '2026-13-07 14:23:14', zone: 'Europe/Berlin', iso: null },
    { dateTime: 'gestern', zone: 'Europe/Berlin', iso: null },
    { dateTime: null, zone: 'Europe/Berlin', iso: null },
  ])('$dateTime in $zone is $iso', ({ dateTime, zone, iso }) => {
    expect(sms4deTime(dateTime, zone)).toBe(iso)
  })
})

describe('hexForms', () => {
  it('the PIN as hex: UCS-2 and its bytes, either case', () => {
    expect(hexForms('4829')).toEqual(['0034003800320039', '0034003800320039', '34383239', '34383239'])
    expect(hexForms('Ü1')).toEqual(['00DC0031', '00dc0031', 'c39c31', 'C39C31'])
  })
})
