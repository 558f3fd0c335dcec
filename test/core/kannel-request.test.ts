import { describe, expect, it } from 'vitest'
import { resolveConfig, type Config } from '../../src/core/config.js'
import { buildCheckRequest, buildDlrUrl, buildSendRequest, type OutgoingSms } from '../../src/core/kannel-request.js'
import { ConfigError } from '../../src/core/errors.js'

function configWith(overrides: Record<string, string> = {}): Config {
  const values = {
    'smskannel.gwurl': 'http://kannel:13013',
    'smskannel.user': 'tester',
    'smskannel.password': 'p&ss+w=rd',
    'smskannel.feedbackurl': 'http://vlx:8080/smsKannelfeedback',
    ...overrides,
  }
  return resolveConfig({ file: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, where: 'test' }])) }).config
}

const sms: OutgoingSms = { to: '+491701234567', text: 'PIN: 1234\nGültig € [x]', encoding: 'gsm7', messageId: 'm-1', sequence: '4711' }

/** How Kannel will read a GET query: form decoding, first occurrence wins (docs/kannel.md §3). */
function kannelReads(url: string): Record<string, string> {
  const read: Record<string, string> = {}
  for (const [name, value] of new URL(url).searchParams) if (!(name in read)) read[name] = value
  return read
}

describe('buildDlrUrl', () => {
  it.each([
    {
      name: 'adds our ids and Kannel escapes',
      feedback: 'http://vlx:8080/smsKannelfeedback',
      want: 'http://vlx:8080/smsKannelfeedback?seq=4711&msgid=m-1&kid=%I&dlr=%d&reply=%A&smscmsgid=%F&recipient=%p&sender=%P&time=%T&smsc=%i',
    },
    {
      name: 'keeps the feedback URL\'s own query',
      feedback: 'http://vlx:8080/smsKannelfeedback?site=a',
      want: 'http://vlx:8080/smsKannelfeedback?site=a&seq=4711&msgid=m-1&kid=%I&dlr=%d&reply=%A&smscmsgid=%F&recipient=%p&sender=%P&time=%T&smsc=%i',
    },
    {
      name: 'doubles percent signs so Kannel does not read %C3 as the escape %C',
      feedback: 'http://vlx:8080/f%C3%A4?x=%41',
      want: 'http://vlx:8080/f%%C3%%A4?x=%%41&seq=4711&msgid=m-1&kid=%I&dlr=%d&reply=%A&smscmsgid=%F&recipient=%p&sender=%P&time=%T&smsc=%i',
    },
  ])('$name', ({ feedback, want }) => {
    expect(buildDlrUrl(new URL(feedback), { messageId: 'm-1', sequence: '4711' })).toBe(want)
  })

  it('encodes a hostile sequence so it cannot add parameters or escapes', () => {
    const url = buildDlrUrl(new URL('http://vlx/f'), { messageId: 'm', sequence: '1&dlr=%d x' })
    expect(url).toContain('seq=1%%26dlr%%3D%%25d%%20x&')
  })

  it('leaves out seq when VISULOX gave no sequence', () => {
    expect(buildDlrUrl(new URL('http://vlx/f'), { messageId: 'm', sequence: undefined })).toMatch(/\?msgid=m&kid=%I&dlr=%d/)
  })

  it('refuses a feedback URL that already uses one of our parameter names', () => {
    expect(() => buildDlrUrl(new URL('http://vlx/f?msgid=1'), { messageId: 'm', sequence: undefined })).toThrow(ConfigError)
  })
})

describe('buildSendRequest, POST (the default)', () => {
  const request = buildSendRequest(configWith(), sms)

  it('keeps the password out of the URL', () => {
    expect(request.method).toBe('POST')
    expect(request.url).toBe('http://kannel:13013/cgi-bin/sendsms')
  })

  it('puts everything in X-Kannel headers and the text in a UTF-8 body', () => {
    expect(request.headers).toMatchObject({
      'content-type': 'text/plain; charset=UTF-8',
      'x-kannel-username': 'tester',
      'x-kannel-password': 'p&ss+w=rd',
      'x-kannel-to': '+491701234567',
      'x-kannel-dlr-mask': '31',
      'x-kannel-coding': '0',
    })
    expect(request.headers['x-kannel-dlr-url']).toMatch(/^http:\/\/vlx:8080\/smsKannelfeedback\?seq=4711&msgid=m-1&kid=%I&dlr=%d/)
    expect(request.body).toBe(sms.text)
  })

  it('asks for UCS-2 when the text needs it', () => {
    expect(buildSendRequest(configWith(), { ...sms, text: 'Привет', encoding: 'ucs2' }).headers['x-kannel-coding']).toBe('2')
  })

  it('sends the sender only when configured', () => {
    expect(request.headers['x-kannel-from']).toBeUndefined()
    expect(buildSendRequest(configWith({ 'smskannel.sender': 'VISULOX' }), sms).headers['x-kannel-from']).toBe('VISULOX')
  })

  it('asks for no DLR without a feedback URL, or with dlr-mask 0', () => {
    const noFeedback = configWith()
    noFeedback.feedbackUrl = undefined
    expect(buildSendRequest(noFeedback, sms).headers).not.toHaveProperty('x-kannel-dlr-url')
    expect(buildSendRequest(configWith({ 'smskannel.dlrmask': '0' }), sms).headers).not.toHaveProperty('x-kannel-dlr-mask')
  })

  it('keeps a password or sender outside ASCII as given; the HTTP client sends its UTF-8 bytes', () => {
    const request = buildSendRequest(configWith({ 'smskannel.password': 'pässword', 'smskannel.sender': 'Grüße' }), sms)
    expect(request.headers).toMatchObject({ 'x-kannel-password': 'pässword', 'x-kannel-from': 'Grüße' })
  })
})

describe('buildSendRequest, GET', () => {
  it.each([
    { name: 'a leading + as %2B, not a space (docs/kannel.md §3)', field: 'to', want: '+491701234567', raw: 'to=%2B491701234567' },
    { name: 'the text with newline, umlaut and euro', field: 'text', want: 'PIN: 1234\nGültig € [x]', raw: 'text=PIN%3A+1234%0AG%C3%BCltig+%E2%82%AC+%5Bx%5D' },
    { name: 'the password with & + =', field: 'password', want: 'p&ss+w=rd', raw: 'password=p%26ss%2Bw%3Drd' },
    { name: 'an explicit UTF-8 charset', field: 'charset', want: 'UTF-8', raw: 'charset=UTF-8' },
  ])('encodes $name', ({ field, want, raw }) => {
    const request = buildSendRequest(configWith({ 'smskannel.method': 'get' }), sms)
    expect(request.url).toContain(raw)
    expect(kannelReads(request.url)[field]).toBe(want)
  })

  it('sends UCS-2 as coding=2 with charset=UTF-8, which Kannel needs to convert (docs/kannel.md §5)', () => {
    const request = buildSendRequest(configWith({ 'smskannel.method': 'get' }), { ...sms, text: 'Привет 😀', encoding: 'ucs2' })
    expect(kannelReads(request.url)).toMatchObject({ coding: '2', charset: 'UTF-8', text: 'Привет 😀' })
  })

  it('carries the dlr-url template intact through query encoding', () => {
    const request = buildSendRequest(configWith({ 'smskannel.method': 'get' }), sms)
    expect(kannelReads(request.url)['dlr-url']).toBe(buildDlrUrl(new URL('http://vlx:8080/smsKannelfeedback'), sms))
  })
})

describe('buildCheckRequest sends nothing (docs/kannel.md §10)', () => {
  it.each([
    { method: 'post', check: (r: ReturnType<typeof buildCheckRequest>) => expect(r.headers).not.toHaveProperty('x-kannel-to') },
    { method: 'get', check: (r: ReturnType<typeof buildCheckRequest>) => expect(new URL(r.url).searchParams.has('to')).toBe(false) },
  ])('has credentials and no recipient ($method), and is never HEAD', ({ method, check }) => {
    const request = buildCheckRequest(configWith({ 'smskannel.method': method }), 'http://kannel:13013')
    expect(request.method).toBe(method.toUpperCase())
    check(request)
  })
})
