import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { redactSecrets, secretForms } from '../../src/core/redact.js'
import { runCli } from '../helpers/run-cli.js'

const PASSWORD = 'Pa"ss\\w&rd<9 CorrectHorseBattery/~'
const PIN = '482913'

/** Every encoding a server could echo the password in; the test fails if any one of them is printed. */
function leakedForms(secret: string): string[] {
  const form = new URLSearchParams({ s: secret }).toString().slice(2)
  const json = JSON.stringify(secret).slice(1, -1)
  const html = secret.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;')
  return [secret, encodeURIComponent(secret), form, form.replaceAll('+', '%20'), json, JSON.stringify(json).slice(1, -1), html, secret.slice(0, 12), encodeURIComponent(secret).slice(0, 14)]
}

/** Not Kannel: echoes what it received, in the shapes real error pages take. */
function echoServer(shape: 'html' | 'json' | 'long'): Promise<Server> {
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    request.on('end', () => {
      const url = request.url ?? ''
      const decoded = decodeURIComponent(url.replaceAll('+', ' '))
      const html = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
      const reply =
        shape === 'html' ? `<html><body><pre>${html(JSON.stringify(request.headers))}</pre><p>${html(url)}</p><p>${html(decoded)}</p></body></html>`
        : shape === 'json' ? JSON.stringify({ error: 'bad', url, decoded, headers: request.headers, body })
        // The password starts after 80 characters: a cut-then-redact would print its first half.
        : `error: ${'x'.repeat(80 - 'error: password='.length)}password=${decoded.split('password=')[1] ?? request.headers['x-kannel-password']}`
      response.writeHead(400, { 'content-type': shape === 'json' ? 'application/json' : 'text/html', server: 'Apache' })
      response.end(reply)
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

let server: Server | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

describe('a gateway that echoes the request never makes the password or PIN visible', () => {
  it.each([
    { shape: 'html' as const, method: 'get' },
    { shape: 'html' as const, method: 'post' },
    { shape: 'json' as const, method: 'get' },
    { shape: 'json' as const, method: 'post' },
    { shape: 'long' as const, method: 'get' },
    { shape: 'long' as const, method: 'post' },
  ])('$shape echo, --method $method, with --verbose and --json', async ({ shape, method }) => {
    server = await echoServer(shape)
    const port = (server.address() as AddressInfo).port
    const run = await runCli(['--verbose', '--json', '--method', method, '--timeout', '5s'], {
      SMSKANNEL_GWURL: `http://127.0.0.1:${port}`,
      SMSKANNEL_USER: 'tester',
      SMSKANNEL_PASSWORD: PASSWORD,
      SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:9/smsKannelfeedback',
      VLXSMS: '+491701234567',
      VLXPIN: PIN,
      VLXPIN_TEXT: `Your PIN: ${PIN}`,
    })
    expect(run.code).toBe(76)
    const output = run.stdout + run.stderr
    expect(output).toContain('********')
    for (const form of [...leakedForms(PASSWORD), PIN]) expect(output).not.toContain(form)
    expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 76 })
  })
})

describe('secretForms', () => {
  it.each([
    ['raw', PASSWORD],
    ['URL-encoded, %20', encodeURIComponent(PASSWORD)],
    ['URL-encoded, +', new URLSearchParams({ s: PASSWORD }).toString().slice(2)],
    ['lower-case hex', encodeURIComponent(PASSWORD).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())],
    ['JSON-escaped', JSON.stringify(PASSWORD).slice(1, -1)],
    ['JSON-escaped twice', JSON.stringify(JSON.stringify(PASSWORD).slice(1, -1)).slice(1, -1)],
    ['JSON with \\/ (PHP)', 'Pa\\"ss\\\\w&rd<9 CorrectHorseBattery\\/~'],
    ['HTML-escaped', 'Pa&quot;ss\\w&amp;rd&lt;9 CorrectHorseBattery/~'],
    ['HTML with numeric entities', 'Pa&#34;ss\\w&amp;rd&lt;9 CorrectHorseBattery/~'],
    ['HTML-escaped JSON', 'Pa\\&quot;ss\\\\w&amp;rd&lt;9 CorrectHorseBattery/~'],
  ])('hides the %s form', (_, form) => {
    expect(redactSecrets(`before ${form} after`, [PASSWORD])).toBe('before ******** after')
    expect(secretForms([PASSWORD])).toContain(form)
  })

  it('hides non-ASCII written as \\uXXXX (Python, PHP)', () => {
    expect(redactSecrets('{"p": "gr\\u00fcn-Gr\\u00f6\\u00dfe"}', ['grün-Größe'])).toBe('{"p": "********"}')
  })
})

/** Quotes the raw request as SMS4.de's Perl might in an error page: ISO-8859-15 bytes and all. */
function rawEchoServer(): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const raw = Buffer.from(unescape(`${request.url ?? ''}&${body.toString('latin1')}`), 'latin1')
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end(Buffer.concat([Buffer.from(`Fehler: ${request.url} ${body.toString('latin1')} `), raw]))
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

describe('an SMS4.de stand-in that echoes the request never makes the non-ASCII password visible', () => {
  const password = 'Pä%2&x"<Z€q'
  // ISO-8859-15 on the wire, in either hex case, and its raw bytes read as UTF-8.
  const wireForms = ['P%E4%252%26x%22%3CZ%A4q', 'P%e4%252%26x%22%3cZ%a4q', 'P\ufffd%2&x"<Z\ufffdq']

  it.each([
    { args: ['--verbose', '--json'], method: 'post' },
    { args: ['--verbose', '--json'], method: 'get' },
    { args: ['config', '--check', '--verbose'], method: 'post' },
    { args: ['config', '--check', '--json'], method: 'get' },
  ])('$args with sms4de.method $method', async ({ args, method }) => {
    server = await rawEchoServer()
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const run = await runCli(args, {
      SMS_PROVIDER: 'sms4de', SMS4DE_USER: 'u', SMS4DE_PASSWORD: password, SMS4DE_KDNR: '12345', SMS4DE_METHOD: method,
      SMS4DE_URL: `${base}/sms_out.pl`, SMS4DE_CHECKURL: `${base}/sms_check.pl`,
      VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: `PIN ${PIN}`,
    })
    const output = run.stdout + run.stderr
    expect(output).toContain('pwd=********')
    for (const form of [...leakedForms(password), ...wireForms, PIN]) expect(output).not.toContain(form)
  })
})
