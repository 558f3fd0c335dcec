import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

/** Encodings a server applies on its own before it echoes a secret: none of them may be printed. */

let servers: Server[] = []
afterEach(() => {
  for (const server of servers) server.close()
  servers = []
})

function listen(handler: (request: IncomingMessage, body: Buffer) => { status: number; body: string }): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const { status, body } = handler(request, Buffer.concat(chunks))
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body)
    })
  })
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

const html = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
const KANNEL_ENV = { SMSKANNEL_USER: 'tester', VLXSMS: '+491701234567', VLXPIN: '482913', VLXPIN_SEQUENCE: '19' }

describe('a proxy that quotes the Proxy-Authorization it got never shows the Basic token', () => {
  const user = 'pu'
  const password = 'Pr0xy!Pass/Long+9'
  const token = Buffer.from(`${user}:${password}`).toString('base64')
  const proxyUrl = (host: string) => `http://${user}:${encodeURIComponent(password)}@${host}`

  /** Fails every request (502, a page the reply shows), quoting the header as is, HTML-escaped, JSON-escaped (PHP's \/) and decoded. */
  const refusingProxy = () =>
    listen((request) => {
      const header = String(request.headers['proxy-authorization'])
      const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('latin1')
      return { status: 502, body: `proxy says no; PA=${header} <p>${html(header)}</p> ${JSON.stringify({ pa: header }).replaceAll('/', '\\/')} q=${encodeURIComponent(header)} DEC=${decoded}` }
    })

  function expectHidden(output: string): void {
    expect(output).toContain('PA=Basic ********')
    for (const form of [token, token.slice(0, 8), token.replaceAll('/', '\\/').slice(0, 12), encodeURIComponent(token).slice(0, 12), password, password.slice(0, 6)]) {
      expect(output).not.toContain(form)
    }
  }

  it.each([
    ['SMSKANNEL_PROXY', ['--verbose', '--json']],
    ['SMSKANNEL_PROXY', ['config', '--check', '--verbose', '--json']],
    ['HTTP_PROXY', ['--verbose', '--json']],
    ['http_proxy', ['config', '--check', '--verbose']],
  ])('proxy from %s, %j', async (variable, args) => {
    const proxy = await refusingProxy()
    const run = await runCli([...args, '--timeout', '5s'], { ...KANNEL_ENV, SMSKANNEL_GWURL: 'http://kannel.example:13013', SMSKANNEL_PASSWORD: 'kannel-pass-1', [variable]: proxyUrl(proxy) })
    expect(run.code).not.toBe(0)
    expectHidden(run.stdout + run.stderr)
  })
})

describe('a proxy password with a % that is no escape (p%zz)', () => {
  it('is sent as written, as curl does, and hidden when echoed: no crash (it was "unexpected failure: URI malformed", exit 1)', async () => {
    const proxy = await listen((request) => ({ status: 502, body: `no; PA=${String(request.headers['proxy-authorization'])}` }))
    const run = await runCli(['--verbose', '--json', '--timeout', '5s'], { ...KANNEL_ENV, SMSKANNEL_GWURL: 'http://kannel.example:13013', SMSKANNEL_PASSWORD: 'kannel-pass-1', HTTP_PROXY: `http://pu:Pr0xy%zz%41@${proxy}` })
    expect(run.stderr).not.toContain('unexpected failure')
    expect(run.stderr).toContain('PA=Basic ********')
    expect(run.stdout + run.stderr).not.toContain(Buffer.from('pu:Pr0xy%zzA').toString('base64').slice(0, 8))
  })
})

describe('a non-ASCII secret echoed by a server that reads UTF-8 as Latin-1 (Node, Python, Java) or Windows-1252 (PHP, browsers)', () => {
  const password = 'Grüße-Geheim-42'
  // This password's bytes hold one byte that Windows-1252 reads apart from Latin-1: 0x9F (of ß) is Ÿ.
  const cp1252 = (latin1: string) => latin1.replaceAll('\u009f', 'Ÿ')
  const asciiJson = (text: string) => JSON.stringify(text).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  /** What the server makes of the password's bytes, each read one byte per character first. */
  const shapes: Record<string, (latin1: string) => string> = {
    'as read': (latin1) => latin1,
    'JSON-escaped': (latin1) => JSON.stringify(latin1).slice(1, -1),
    'JSON-escaped as ASCII (\\u00c3)': asciiJson,
    'HTML-escaped': (latin1) => html(latin1),
    'as character references (xmlcharrefreplace)': (latin1) => html(latin1).replace(/[^\x00-\x7f]/g, (c) => `&#${c.charCodeAt(0)};`),
    'decoded right, as character references': (latin1) => html(Buffer.from(latin1, 'latin1').toString('utf8')).replace(/[^\x00-\x7f]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`),
    're-encoded in the URL': (latin1) => encodeURIComponent(latin1),
    'read as Windows-1252': cp1252,
    'read as Windows-1252, re-encoded in the URL': (latin1) => encodeURIComponent(cp1252(latin1)),
  }
  const cases = Object.keys(shapes).flatMap((shape) => [
    { shape, method: 'post', args: ['--verbose', '--json'] },
    { shape, method: 'get', args: ['--verbose', '--json'] },
    { shape, method: 'post', args: ['config', '--check', '--verbose', '--json'] },
    { shape, method: 'get', args: ['config', '--check', '--verbose'] },
  ])

  it.each(cases)('$shape, smskannel.method $method, $args', async ({ shape, method, args }) => {
    let echoed = ''
    const gateway = await listen((request) => {
      // The header's bytes as Node reads them, or the query's percent-escapes undone byte by byte.
      const latin1 = method === 'post' ? String(request.headers['x-kannel-password']) : unescape(/[?&]password=([^&]*)/.exec(request.url ?? '')![1]!.replaceAll('+', ' '))
      echoed = shapes[shape]!(latin1)
      return { status: 403, body: `Authorization failed: password ${echoed} is wrong` }
    })
    const run = await runCli([...args, '--timeout', '5s'], { ...KANNEL_ENV, SMSKANNEL_GWURL: `http://${gateway}`, SMSKANNEL_PASSWORD: password, SMSKANNEL_METHOD: method })
    expect(run.code).not.toBe(0)
    expect(echoed).not.toContain(password)
    const output = run.stdout + run.stderr
    expect(output).toContain('password ******** is wrong')
    for (const form of [echoed, echoed.slice(0, 8), 'Geheim']) expect(output).not.toContain(form)
  })
})

describe('the PIN echoed as hex (UCS-2, or its bytes) is hidden for every provider, as the SMS4.de provider did', () => {
  const pin = '771234'
  const ucs2 = (text: string) => [...text].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('')
  const bytes = (text: string) => Buffer.from(text, 'utf8').toString('hex')
  const echoes: Record<string, (text: string) => string> = {
    'UCS-2, lower case': ucs2,
    'UCS-2, upper case': (text) => ucs2(text).toUpperCase(),
    'UTF-8 bytes, lower case': bytes,
    'UTF-8 bytes, upper case': (text) => bytes(text).toUpperCase(),
  }
  const providers: Record<string, Record<string, string>> = {
    http: { SMS_PROVIDER: 'http', SMSHTTP_METHOD: 'get', SMSHTTP_PARAMS: 'to={to}&text={text}&pw={password}', SMSHTTP_PASSWORD: 'hpass12345' },
    kannel: { SMSKANNEL_METHOD: 'get', SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: 'kannel-pass-1' },
  }
  const cases = Object.keys(providers).flatMap((provider) => Object.keys(echoes).map((echo) => ({ provider, echo })))

  it.each(cases)('$provider, $echo', async ({ provider, echo }) => {
    const gateway = await listen((request) => {
      const text = new URL(request.url ?? '/', 'http://gw').searchParams.get('text') ?? ''
      return { status: 400, body: `hex=${echoes[echo]!(text)}` }
    })
    const run = await runCli(['--verbose', '--json'], {
      ...providers[provider], SMSHTTP_URL: `http://${gateway}/send`, SMSKANNEL_GWURL: `http://${gateway}`,
      VLXSMS: '+491701234567', VLXPIN: pin, VLXPIN_SEQUENCE: '5', VLXPIN_TEXT: `Код: ${pin} Seq 5`,
    })
    expect(run.code).not.toBe(0)
    const output = run.stdout + run.stderr
    const hex = echoes[echo]!(pin)
    expect(output).toContain(`hex=${echoes[echo]!('Код: ')}********`)
    for (const form of [hex, hex.slice(0, 12), hex.slice(-12)]) expect(output).not.toContain(form)
  })
})

describe('a password sent as ISO-8859-15 bytes and echoed as a server misreads them (as Latin-1, or as UTF-8)', () => {
  const password = 'Pä%2&x"<Z€q-Geheim'
  const readings: Record<string, (bytes: Buffer) => string> = {
    'Latin-1': (bytes) => bytes.toString('latin1'),
    'UTF-8': (bytes) => bytes.toString('utf8'),
  }
  const providers: Record<string, (gateway: string) => Record<string, string>> = {
    sms4de: (gateway) => ({ SMS_PROVIDER: 'sms4de', SMS4DE_USER: 'u', SMS4DE_PASSWORD: password, SMS4DE_KDNR: '12345', SMS4DE_URL: `http://${gateway}/sms_out.pl`, SMS4DE_CHECKURL: `http://${gateway}/sms_check.pl` }),
    http: (gateway) => ({ SMS_PROVIDER: 'http', SMSHTTP_URL: `http://${gateway}/send`, SMSHTTP_CHARSET: 'iso-8859-15', SMSHTTP_PARAMS: 'to={to}&text={text}&pwd={password}', SMSHTTP_PASSWORD: password }),
  }
  const cases = Object.keys(providers).flatMap((provider) => Object.keys(readings).flatMap((reading) => [
    { provider, reading, method: 'post', args: ['--verbose', '--json'] },
    { provider, reading, method: 'get', args: ['--verbose', '--json'] },
    // The HTTP provider's check-url carries no credentials: only SMS4.de's check sends the password.
    ...(provider === 'sms4de' ? [{ provider, reading, method: 'get', args: ['config', '--check', '--verbose'] }] : []),
  ]))

  it.each(cases)('$provider, read as $reading, $method, $args', async ({ provider, reading, method, args }) => {
    let echoed = ''
    const gateway = await listen((request, body) => {
      const form = `${(request.url ?? '').split('?')[1] ?? ''}&${body.toString('latin1')}`
      const bytes = Buffer.from(unescape(/(?:^|&)pwd=([^&]*)/.exec(form)?.[1] ?? ''), 'latin1')
      echoed = readings[reading]!(bytes)
      return { status: 403, body: `Fehler: pwd ${echoed} falsch` }
    })
    const env = providers[provider]!(gateway)
    const run = await runCli([...args, '--timeout', '5s'], { ...env, SMS4DE_METHOD: method, SMSHTTP_METHOD: method === 'post' ? 'post-form' : 'get', ...KANNEL_ENV })
    expect(echoed).not.toBe('')
    expect(echoed).not.toContain(password)
    const output = run.stdout + run.stderr
    expect(output).toContain('pwd ******** falsch')
    for (const form of [echoed, echoed.slice(0, 9), 'Geheim']) expect(output).not.toContain(form)
  })
})

describe('a server that quotes the request URL percent-encoded once more (a login redirect\'s next=) never shows the password', () => {
  const password = 'S3cr!t p@ss/wörd+%41'

  it.each([['--verbose', '--json'], ['config', '--check', '--verbose']])('%s %s', async (...args) => {
    let echoed = ''
    const gateway = await listen((request) => {
      echoed = encodeURIComponent(request.url ?? '')
      return { status: 302, body: `Redirecting to /login?next=${echoed}` }
    })
    const run = await runCli([...args, '--timeout', '5s'], { ...KANNEL_ENV, SMSKANNEL_GWURL: `http://${gateway}`, SMSKANNEL_PASSWORD: password, SMSKANNEL_METHOD: 'get' })
    expect(run.code).not.toBe(0)
    const output = run.stdout + run.stderr
    expect(output).toContain('password%3D********')
    for (const fragment of ['S3cr', 'p%2540ss', 'w%25C3%25B6rd', 'rd%252B']) expect(output).not.toContain(fragment)
  })
})
