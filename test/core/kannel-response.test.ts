import { describe, expect, it } from 'vitest'
import { classifyCheckResponse, classifySendResponse, type GatewayReply } from '../../src/core/kannel-response.js'
import { EXIT, GatewayUnavailableError, ProtocolError, SmsKannelError } from '../../src/core/errors.js'

const kannel = 'Kannel/1.4.5'

function exitCodeOf(reply: GatewayReply, classify: (reply: GatewayReply) => unknown = classifySendResponse): number {
  try {
    classify(reply)
    return EXIT.ok
  } catch (error) {
    if (error instanceof SmsKannelError) return error.exitCode
    throw error
  }
}

function thrown(reply: GatewayReply): unknown {
  try {
    classifySendResponse(reply)
  } catch (error) {
    return error
  }
  throw new Error('no error')
}

describe('replies that prove nothing was sent', () => {
  it('429 from a rate limit in front of Kannel: 75, nothing sent (the next gateway may take it)', () => {
    const error = thrown({ status: 429, server: 'nginx', body: 'Too Many Requests' })
    expect(error).toBeInstanceOf(GatewayUnavailableError)
    expect((error as GatewayUnavailableError).mayHaveBeenSent).toBe(false)
  })

  it.each([
    { status: 404, server: kannel, nothingSent: true },
    { status: 404, server: 'nginx', nothingSent: true },
    { status: 301, server: 'nginx', nothingSent: true },
    { status: 405, server: 'nginx', nothingSent: true },
    { status: 408, server: 'nginx', nothingSent: false },
    { status: 200, server: 'nginx', nothingSent: false },
  ])('$status from $server: 76, nothing sent: $nothingSent', ({ status, server, nothingSent }) => {
    const error = thrown({ status, server, body: '<html>' })
    expect(error).toBeInstanceOf(ProtocolError)
    expect((error as ProtocolError).nothingSent).toBe(nothingSent)
  })
})

describe('classifySendResponse follows Kannel\'s replies (docs/kannel.md §2)', () => {
  it.each([
    { name: 'accepted', reply: { status: 202, server: kannel, body: '0: Accepted for delivery' }, outcome: 'accepted' },
    { name: 'queued, no SMSC', reply: { status: 202, server: kannel, body: '3: Queued for later delivery' }, outcome: 'queued' },
    { name: 'immediate-sendsms-reply', reply: { status: 202, server: kannel, body: 'Sent.' }, outcome: 'accepted' },
    { name: 'immediate reply with splits', reply: { status: 202, server: kannel, body: 'Sent. Message splits: 2' }, outcome: 'accepted' },
  ])('$name → $outcome', ({ reply, outcome }) => {
    expect(classifySendResponse(reply).outcome).toBe(outcome)
  })

  it.each([
    { name: 'wrong credentials', status: 403, body: 'Authorization failed for sendsms', exit: EXIT.auth },
    { name: 'not routable (the other 403)', status: 403, body: 'Not routable. Do not try again.', exit: EXIT.gatewayRejected },
    { name: 'number denied', status: 400, body: 'Number(s) has/have been denied by white- and/or black-lists.', exit: EXIT.gatewayRejected },
    { name: 'sender missing', status: 400, body: 'Sender missing and no global set, rejected', exit: EXIT.gatewayRejected },
    { name: 'bad dlr-url', status: 400, body: 'DLR-URL field misformed, rejected', exit: EXIT.gatewayRejected },
    { name: 'unsupported content type', status: 415, body: 'Unsupported content-type, rejected', exit: EXIT.gatewayRejected },
    { name: 'queue full: "503 Foo"', status: 503, body: 'Temporal failure, try again later.', exit: EXIT.gatewayUnavailable },
    { name: 'wrong path', status: 404, body: 'Unknown request.', exit: EXIT.protocol },
  ])('$name → exit $exit', ({ status, body, exit }) => {
    expect(exitCodeOf({ status, server: kannel, body })).toBe(exit)
  })

  it.each([
    { name: '200 with an HTML page', reply: { status: 200, server: 'nginx', body: '<html><body>Welcome</body></html>' }, exit: EXIT.protocol },
    { name: '202 with a body that is not Kannel\'s', reply: { status: 202, server: 'Apache', body: 'ok' }, exit: EXIT.protocol },
    { name: 'a proxy\'s 502', reply: { status: 502, server: 'nginx', body: 'Bad Gateway' }, exit: EXIT.gatewayUnavailable },
    { name: 'a 500', reply: { status: 500, server: 'nginx', body: 'oops' }, exit: EXIT.gatewayUnavailable },
    { name: 'a 404 from another server', reply: { status: 404, server: 'nginx', body: 'Not Found' }, exit: EXIT.protocol },
  ])('$name → exit $exit', ({ reply, exit }) => {
    expect(exitCodeOf(reply)).toBe(exit)
  })

  it('uses the status code, never the reason phrase', () => {
    expect(exitCodeOf({ status: 503, server: kannel, body: '' })).toBe(EXIT.gatewayUnavailable)
  })

  it('keeps a hostile body to one short line in the message', () => {
    try {
      classifySendResponse({ status: 200, server: 'x', body: `a\nb${'z'.repeat(10_000)}` })
    } catch (error) {
      expect((error as Error).message).not.toContain('\n')
      expect((error as Error).message.length).toBeLessThan(300)
    }
  })
})

describe('classifyCheckResponse (docs/kannel.md §10)', () => {
  it.each([
    { name: 'GET without to', reply: { status: 400, server: kannel, body: 'Missing receiver number, rejected' }, exit: EXIT.ok },
    { name: 'POST without X-Kannel-To', reply: { status: 400, server: kannel, body: 'Missing receiver(s) number(s), rejected' }, exit: EXIT.ok },
    { name: 'wrong password', reply: { status: 403, server: kannel, body: 'Authorization failed for sendsms' }, exit: EXIT.auth },
    { name: 'not a Kannel', reply: { status: 200, server: 'nginx', body: '<html>' }, exit: EXIT.protocol },
    { name: 'a 400 from something else', reply: { status: 400, server: 'nginx', body: 'Missing receiver' }, exit: EXIT.protocol },
  ])('$name → exit $exit', ({ reply, exit }) => {
    expect(exitCodeOf(reply, classifyCheckResponse)).toBe(exit)
  })

  it.each([
    { name: 'an HTML page with a 500', reply: { status: 500, server: 'Apache', body: '<html><body>Internal Server Error</body></html>' } },
    { name: 'an HTML page with a 507', reply: { status: 507, server: undefined, body: '<html>Insufficient Storage</html>' } },
    { name: 'a 200 HTML page', reply: { status: 200, server: 'nginx', body: '<html>' } },
    { name: 'a 404 from another server', reply: { status: 404, server: 'nginx', body: 'Not Found' } },
  ])('$name: the same exit code as send', ({ reply }) => {
    expect(exitCodeOf(reply, classifyCheckResponse)).toBe(exitCodeOf(reply))
  })
})
