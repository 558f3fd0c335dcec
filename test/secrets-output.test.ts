import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'
import { startSms4deStandIn, type Sms4deStandIn } from './helpers/sms4de-stand-in.js'

/** What a receipt's text: field carries: the first characters of the SMS, so the PIN. */
const PIN = '730215'
const RECEIPT_TEXT = `Your PIN is ${PIN}`
const NUMBER = '+491701234567'

/** Every form the full number could take in output: as is, without +, with 00, URL-encoded. */
function expectNoFullNumber(text: string): void {
  for (const form of ['491701234567', '%2B491701234567', '1701234567']) expect(text).not.toContain(form)
}

function expectNoReceiptText(text: string): void {
  for (const form of [PIN, 'Your PIN', 'Your+PIN', 'Your%20PIN']) expect(text).not.toContain(form)
}

/** A gateway that echoes everything it got (query, headers, body) in a JSON error, and records it. */
let server: Server
let base: string
const received: Array<{ url: string; headers: Record<string, string | string[] | undefined> }> = []
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers })
      const path = new URL(request.url ?? '/', 'http://gw').pathname
      const status = path === '/ok' ? 200 : 400
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: status === 200 ? null : 'refused', url: request.url, headers: request.headers, body, decoded: decodeURIComponent((request.url ?? '').replaceAll('+', ' ')) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function newStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'sms-kannel-secrets-')), 'events.db')
}

function httpEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMS_PROVIDER: 'http',
    SMSHTTP_URL: `${base}/refuse`,
    SMSHTTP_METHOD: 'get',
    SMSHTTP_PARAMS: 'to={to}&digits={to_digits}&text={text}',
    VLXSMS: NUMBER,
    VLXPIN: PIN,
    VLXPIN_SEQUENCE: '42',
    VLXPIN_TEXT: `PIN ${PIN}`,
    ...extra,
  }
}

describe("a receipt's text: (the message's first characters) is never printed", () => {
  const reply = `id:0A1B sub:001 dlvrd:000 submit date:2612071020 done date:2612071021 stat:UNDELIV err:027 text:${RECEIPT_TEXT}`
  const query = (seq: string, replyText: string) => `seq=${seq}&msgid=m-${seq}&dlr=2&time=1796638860&reply=${encodeURIComponent(replyText)}`

  it('feedback with --verbose and --json shows stat, err, dates and ids, and hides the text; the store keeps the raw query for forwarding', async () => {
    const store = newStore()
    const run = await runCli(['feedback', '--store', store, '--verbose', query('42', reply)])
    expect(run.code, run.stderr).toBe(EXIT.ok)
    const output = run.stdout + run.stderr
    expectNoReceiptText(output)
    const event = JSON.parse(run.stdout.split('\n')[0]!)
    expect(event.smscReply).toMatchObject({ kind: 'receipt', id: '0A1B', stat: 'UNDELIV', err: '027', submitDate: '2612071020', doneDate: '2612071021', text: '********' })
    expect(event.smscReply.raw).toBe('id:0A1B sub:001 dlvrd:000 submit date:2612071020 done date:2612071021 stat:UNDELIV err:027 text:********')
    expect(event.raw).toContain('seq=42&msgid=m-42&dlr=2')
    expect(event.raw).toContain('stat%3AUNDELIV')

    // Forwarding passes the stored query on byte for byte: VISULOX, which wrote the PIN, gets it.
    const forwarded = received.length
    const forward = await runCli(['feedback', '--store', store, '--forward', `${base}/ok`, query('43', reply)])
    expect(forward.code, forward.stderr).toBe(EXIT.ok)
    expectNoReceiptText(forward.stdout + forward.stderr)
    expect(received.slice(forwarded).map((request) => request.url)).toEqual([`/ok?${query('43', reply)}`])

    for (const args of [['status', '42'], ['status', '42', '--json'], ['report', '--since', '30d', '--json'], ['report', '--since', '30d']]) {
      const shown = await runCli([...args, '--store', store], {}, { now: '2026-12-07T10:30:00Z' })
      expect(shown.code, `${args.join(' ')}: ${shown.stderr}`).toBe(EXIT.ok)
      expectNoReceiptText(shown.stdout + shown.stderr)
    }
  })

  it('a receipt after a vendor prefix, or with its text before other keys, is no different', async () => {
    const store = newStore()
    const prefixed = `SMSAlert^id:0A1D stat:UNDELIV err:027 text:${RECEIPT_TEXT}`
    const textFirst = `id:0A1C text:${RECEIPT_TEXT} stat:UNDELIV err:027`
    const run = await runCli(['feedback', '--store', store, '--verbose', query('44', prefixed), query('45', textFirst)])
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expectNoReceiptText(run.stdout + run.stderr)
    const [first, second] = run.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(first.smscReply).toMatchObject({ stat: 'UNDELIV', err: '027', text: '********' })
    expect(second.smscReply).toMatchObject({ id: '0A1C', stat: 'UNDELIV', err: '027', text: '********' })
    expect(second.smscReply.raw).toBe('id:0A1C text:******** stat:UNDELIV err:027')
    const report = await runCli(['report', '--since', '30d', '--json', '--store', store], {}, { now: '2026-12-07T10:30:00Z' })
    expect(report.code, report.stderr).toBe(EXIT.ok)
    expectNoReceiptText(report.stdout + report.stderr)
    expect(report.stdout).toContain('stat UNDELIV, err 027')
  })

  it("a bearerbox access-log line's [msg:…] receipt is shown without its text", async () => {
    const line = `2026-12-07 10:21:00 Receive DLR [SMSC:smpp1] [SVC:] [ACT:] [BINF:] [FID:0A1B] [META:] [from:VISULOX] [to:${NUMBER}] [flags:-1:-1:-1:-1:2] [msg:${reply.length}:${reply}] [udh:0:]`
    const run = await runCli(['feedback', '--verbose'], {}, { stdin: `${line}\n` })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expectNoReceiptText(run.stdout + run.stderr)
    expect(JSON.parse(run.stdout).raw).toContain('stat:UNDELIV err:027 text:********] [udh:0:]')
  })
})

describe('phone numbers are shown masked', () => {
  it("send --verbose --json: a gateway's reply that quotes the number shows it masked", async () => {
    const run = await runCli(['--verbose', '--json'], httpEnv())
    expect(run.code).toBe(EXIT.gatewayRejected)
    const output = run.stdout + run.stderr
    expectNoFullNumber(output)
    expect(run.stderr).toMatch(/^request: GET .*to=%2B4917\*{5}567&digits=4917\*{5}567&/m)
    expect(run.stderr).toMatch(/^reply from .*to=%2B4917\*{5}567&digits=4917\*{5}567/m)
    expect(JSON.parse(run.stdout).message).toContain('4917*****567')
  })

  describe('feedback --poll --verbose', () => {
    let standIn: Sms4deStandIn
    beforeAll(async () => {
      standIn = await startSms4deStandIn({ user: 'vlxsms', password: 'sms4de-Pa55', kdnr: '12345', balance: '34.56' })
    })
    afterAll(() => standIn.close())

    it('prints SMS4.de reports with the number masked, the SMS id as is', async () => {
      const store = newStore()
      const env = {
        SMS_PROVIDER: 'sms4de', SMS4DE_USER: 'vlxsms', SMS4DE_PASSWORD: 'sms4de-Pa55', SMS4DE_KDNR: '12345',
        SMS4DE_URL: standIn.sendUrl, SMS4DE_CHECKURL: standIn.checkUrl, SMS4DE_DLRURL: standIn.dlrUrl,
        SMSKANNEL_STORE: store,
      }
      const sent = await runCli([], { ...env, VLXSMS: NUMBER, VLXPIN: PIN, VLXPIN_SEQUENCE: '42', VLXPIN_TEXT: `PIN ${PIN}` }, { now: '2026-11-28T10:16:50.000Z' })
      expect(sent.code, sent.stderr).toBe(EXIT.ok)
      const smsId = standIn.messages.at(-1)!.smsId
      standIn.report(smsId, { status: '2', statusText: 'ERROR', statusDetailText: 'Transfer failed', dateTime: '2026-11-28 10:17:03' })
      const poll = await runCli(['feedback', '--poll', '--verbose', '--json'], env, { now: '2026-11-28T10:16:50.000Z' })
      expect(poll.code, poll.stderr).toBe(EXIT.ok)
      expectNoFullNumber(poll.stdout + poll.stderr)
      expect(poll.stderr).toContain(smsId)
      expect(poll.stderr).toContain('4917*****567')
      const status = await runCli(['status', '42', '--json'], env, { now: '2026-11-28T10:16:50.000Z' })
      expectNoFullNumber(status.stdout + status.stderr)
    })
  })
})

describe('http.sender gets the warnings smskannel.sender gets', () => {
  it.each([
    ['VISULOX RA 2FA PIN', 'is 18 characters'],
    ['+123456789012345678901', 'has 21 digits'],
  ])('%s: a warning at send and in config', async (sender, words) => {
    const env = httpEnv({ SMSHTTP_SENDER: sender, SMSHTTP_PARAMS: 'to={to}&text={text}&from={sender}' })
    const send = await runCli(['--dry-run'], env)
    expect(send.code, send.stderr).toBe(EXIT.ok)
    expect(send.stderr).toContain(`warning: http.sender "${sender}" ${words}`)
    const config = await runCli(['config'], env)
    expect(config.code, config.stderr).toBe(EXIT.ok)
    expect(config.stderr).toContain(`warning: http.sender "${sender}" ${words}`)
  })
})

describe('a literal credential in http.headers is a secret', () => {
  const headers = 'Authorization: Bearer abc123-bearer; X-Api-Key: key-4711-value; X-Auth-Token: tok-0815-value; X-Client-Secret: sec-0815-value; Cookie: session=cookie-0815-value; X-Trace: visible-trace'
  const credentials = ['abc123-bearer', 'key-4711-value', 'tok-0815-value', 'sec-0815-value', 'cookie-0815-value']

  it.each([
    ['send --verbose --json (echoed in the error)', ['--verbose', '--json']],
    ['send --dry-run --json', ['--dry-run', '--json']],
    ['send --dry-run --verbose', ['--dry-run', '--verbose']],
    ['config', ['config']],
    ['config --check --json', ['config', '--check', '--json']],
  ])('%s', async (_name, args) => {
    const before = received.length
    const run = await runCli(args, httpEnv({ SMSHTTP_HEADERS: headers }))
    const output = run.stdout + run.stderr
    for (const credential of credentials) {
      expect(output).not.toContain(credential)
      expect(output).not.toContain(encodeURIComponent(credential))
    }
    if (args[0] === '--verbose') {
      expect(run.code).toBe(EXIT.gatewayRejected)
      // The gateway did get them, and echoed them: only the output hides them.
      expect(received.slice(before).at(-1)!.headers['x-api-key']).toBe('key-4711-value')
      expect(output).toContain('Bearer ********')
    }
    if (args.includes('--dry-run')) expect(output).toContain('visible-trace')
  })

  it('a literal API key in http.params is a secret too, also when http.params is refused', async () => {
    const run = await runCli(['--verbose', '--json'], httpEnv({ SMSHTTP_PARAMS: 'to={to}&text={text}&apikey=key-4711-value' }))
    expect(run.code).toBe(EXIT.gatewayRejected)
    expect(run.stderr).toMatch(/^request: GET .*&apikey=\*{8}$/m)
    expect(run.stdout + run.stderr).not.toContain('key-4711-value')
    const refused = await runCli(['config'], httpEnv({ SMSHTTP_PARAMS: 'to={to}&apikey=key-4711-value' }))
    expect(refused.code).toBe(EXIT.config)
    expect(refused.stderr).toContain('http.params "to=…&apikey=…" (from environment SMSHTTP_PARAMS) never uses {text}')
    expect(refused.stderr).not.toContain('key-4711-value')
  })

  it('a key pasted into http.params without its name= is shown neither by config nor in the error', async () => {
    for (const params of ['to={to}&text={text}&apikey key-4711-value', 'to={to}&text={text}&apikey: key-4711-value']) {
      const refused = await runCli(['config'], httpEnv({ SMSHTTP_PARAMS: params }))
      expect(refused.code).toBe(EXIT.config)
      expect(refused.stderr).toContain('field 3 has no field name')
      expect(refused.stdout).toMatch(/^http\.params\s+to=…&text=…&…\s/m)
      expect(refused.stdout + refused.stderr).not.toContain('key-4711-value')
    }
  })

  it('a literal API key in http.body (post-json) is a secret, and an error about http.body does not quote it', async () => {
    const body = '{"messages":[{"to":"{to}","text":"{text}"}],"auth":{"apiKey":"key-4711-value"}}'
    const run = await runCli(['--dry-run', '--json'], httpEnv({ SMSHTTP_METHOD: 'post-json', SMSHTTP_BODY: body }))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout).request.body).toBe('{"messages":[{"to":"+491701234567","text":"PIN ********"}],"auth":{"apiKey":"********"}}')
    const refused = await runCli(['config'], httpEnv({ SMSHTTP_METHOD: 'get', SMSHTTP_BODY: body }))
    expect(refused.code).toBe(EXIT.config)
    expect(refused.stderr).toContain('http.body "{…}" (from environment SMSHTTP_BODY) is for http.method = post-json')
    expect(refused.stderr).not.toContain('key-4711-value')
  })

  it.each([
    ['an entry without its name', 'Authorization: Bearer abc123-bearer; key-4711-value', 'http.headers "Authorization: …; …" (from environment SMSHTTP_HEADERS) is not usable: entry 2 is not Name: value.'],
    ['an unknown placeholder', 'X-Api-Key: key-4711-value{nope}', 'http.headers "X-Api-Key: …" (from environment SMSHTTP_HEADERS) is not usable: X-Api-Key: {nope} is not one of'],
  ])('an error in http.headers (%s) names the headers, never their values', async (_name, headers, message) => {
    for (const args of [['--dry-run'], ['config']]) {
      const run = await runCli(args, httpEnv({ SMSHTTP_HEADERS: headers }))
      expect(run.code).toBe(EXIT.config)
      expect(run.stderr).toContain(message)
      for (const credential of credentials) expect(run.stderr).not.toContain(credential)
    }
  })
})
