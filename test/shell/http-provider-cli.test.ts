import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe } from '../helpers/serve-process.js'

const PASSWORD = 'k%y&}s3cret'
const PIN = '730215'

interface Received {
  path: string
  method: string
  url: string
  contentType: string | undefined
  body: string
}

/** A local gateway whose answer each test scripts per path: /ok, /busy, /broken, ... */
let server: Server
let base: string
const received: Received[] = []
const answers: Record<string, { status: number; body: string }> = {
  '/ok': { status: 202, body: '{"status":"queued","id":"gw-4711"}' },
  '/refused': { status: 200, body: 'ERROR: number blocked' },
  '/busy': { status: 503, body: 'busy' },
  '/broken': { status: 500, body: 'oops' },
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://gw')
      received.push({ path: url.pathname, method: request.method ?? '', url: request.url ?? '', contentType: request.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') })
      const answer = answers[url.pathname] ?? { status: 404, body: 'no' }
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMS_PROVIDER: 'http',
    SMSHTTP_URL: `${base}/ok`,
    SMSHTTP_PARAMS: 'to={to_digits}&text={text}&from={sender}&apikey={password}',
    SMSHTTP_PASSWORD: PASSWORD,
    SMSHTTP_SENDER: 'VISULOX',
    VLXSMS: '+49 170 1234567',
    VLXPIN: PIN,
    VLXPIN_SEQUENCE: '4711',
    VLXPIN_TEXT: `PIN ${PIN} Größe`,
    ...extra,
  }
}

function expectNoSecrets(text: string): void {
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'k%25y', PIN]) expect(text).not.toContain(secret)
}

function since(count: number): Received[] {
  return received.slice(count)
}

describe('the generic HTTP provider against a local gateway', () => {
  it.each([
    { method: 'get', check: (r: Received) => expect(r.url).toBe(`/ok?to=491701234567&text=PIN%20${PIN}%20Gr%C3%B6%C3%9Fe&from=VISULOX&apikey=k%25y%26%7Ds3cret`) },
    { method: 'post-form', check: (r: Received) => expect([r.contentType, r.body]).toEqual(['application/x-www-form-urlencoded', `to=491701234567&text=PIN%20${PIN}%20Gr%C3%B6%C3%9Fe&from=VISULOX&apikey=k%25y%26%7Ds3cret`]) },
    { method: 'post-json', check: (r: Received) => expect(JSON.parse(Buffer.from(r.body, 'latin1').toString('utf8'))).toEqual({ to: '491701234567', text: `PIN ${PIN} Größe`, from: 'VISULOX', apikey: PASSWORD }) },
  ])('$method sends the fields, and no secret reaches the output', async ({ method, check }) => {
    const before = received.length
    const run = await runCli(['--verbose', '--json'], env({ SMSHTTP_METHOD: method }))
    expect(run.code).toBe(EXIT.ok)
    expect(since(before)).toHaveLength(1)
    check(since(before)[0]!)
    expectNoSecrets(run.stdout + run.stderr)
  })

  it('ISO-8859-1 when the gateway wants it; a character it lacks is refused before sending (exit 65)', async () => {
    const before = received.length
    const latin = await runCli([], env({ SMSHTTP_CHARSET: 'iso-8859-1' }))
    expect(latin.code).toBe(EXIT.ok)
    expect(since(before)[0]!.body).toContain('text=PIN%20730215%20Gr%F6%DFe')
    const euro = await runCli([], env({ SMSHTTP_CHARSET: 'iso-8859-1', VLXPIN_TEXT: `PIN ${PIN} €` }))
    expect(euro.code).toBe(EXIT.input)
    expect(euro.stderr).toContain('The text has characters iso-8859-1 lacks: "€"')
    expect(since(before)).toHaveLength(1)
  })

  it('success by status list and pattern; the id is stored and shown by status', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-http-')), 'events.db')
    const settings = { SMSHTTP_SUCCESS_STATUS: '202', SMSHTTP_SUCCESS_PATTERN: '"status":"queued"', SMSHTTP_ID_PATTERN: '"id":"([^"]+)"', SMSKANNEL_STORE: store }
    const run = await runCli(['--json'], env(settings))
    expect(run.code).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'accepted', provider: 'http', providerId: 'gw-4711' })
    const status = await runCli(['status', '4711'], env(settings))
    expect(status.stdout).toMatch(/sent\s+accepted by the HTTP gateway at 127\.0\.0\.1:\d+, the HTTP gateway id gw-4711/)
  })

  it('a refused message (failure pattern) exits 69, quoting the gateway', async () => {
    const run = await runCli([], env({ SMSHTTP_URL: `${base}/refused`, SMSHTTP_FAILURE_PATTERN: '^ERROR' }))
    expect(run.code).toBe(EXIT.gatewayRejected)
    expect(run.stderr).toContain('The gateway refused the message (HTTP 200: ERROR: number blocked).')
  })

  it('a retry status proves nothing was sent: the next URL gets the message', async () => {
    const before = received.length
    const run = await runCli(['--json'], env({ SMSHTTP_URL: `${base}/busy, ${base}/ok` }))
    expect(run.code).toBe(EXIT.ok)
    expect(since(before).map((request) => request.path)).toEqual(['/busy', '/ok'])
  })

  it('no second request after an ambiguous failure: a 500 may have sent it (exit 75)', async () => {
    const before = received.length
    const run = await runCli([], env({ SMSHTTP_URL: `${base}/broken, ${base}/ok` }))
    expect(run.code).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toContain('the SMS may have been sent')
    expect(since(before).map((request) => request.path)).toEqual(['/broken'])
  })

  it('config --check shows the request that would go out, secrets hidden, and fetches http.check-url', async () => {
    const before = received.length
    const run = await runCli(['config', '--check', '--json'], env({ SMSHTTP_CHECK_URL: `${base}/ok`, SMSHTTP_HEADERS: 'Authorization: Bearer {password}' }))
    expect(run.code).toBe(EXIT.ok)
    const { checks } = JSON.parse(run.stdout)
    expect(checks[0]).toMatchObject({ gateway: 'configuration', result: 'ok', method: 'POST', url: `${base}/ok`, body: 'to=4900000000&text=sms-kannel%20config%20--check&from=VISULOX&apikey=********' })
    expect(checks[1]).toMatchObject({ gateway: `${base}/ok`, result: 'ok' })
    expect(since(before)).toEqual([expect.objectContaining({ method: 'GET', path: '/ok' })])
    expectNoSecrets(run.stdout + run.stderr)
  })

  it('config --check fills {user}, {password} and {token} into http.check-url\'s query, URL-encoded, and shows neither them nor a literal key', async () => {
    const before = received.length
    const run = await runCli(['config', '--check', '--verbose', '--json'], env({ SMSHTTP_CHECK_URL: `${base}/refused?user={user}&pw={password}&apikey=literal-check-key-42`, SMSHTTP_USER: 'vlx user' }))
    const [request] = since(before)
    expect(request).toMatchObject({ method: 'GET', path: '/refused' })
    const query = new URL(request!.url, 'http://gw').searchParams
    expect([query.get('user'), query.get('pw'), query.get('apikey')]).toEqual(['vlx user', PASSWORD, 'literal-check-key-42'])
    expect(run.stdout + run.stderr).toContain(`${base}/refused`)
    expectNoSecrets(run.stdout + run.stderr)
    expect(run.stdout + run.stderr).not.toContain('literal-check-key-42')
    const bad = await runCli(['config', '--check'], env({ SMSHTTP_CHECK_URL: `${base}/ok?to={to}` }))
    expect(bad.code).toBe(EXIT.config)
    expect(bad.stderr).toMatch(/http\.check-url ".*\/ok\?to=…" \(from environment SMSHTTP_CHECK_URL\) may fill in \{user\}, \{password\} and \{token\}; there is no message for \{to\}\./)
  })

  it('feedback maps the gateway\'s callback names and status values (http.dlr-status), and status shows the result', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-http-')), 'events.db')
    const settings = { SMSKANNEL_STORE: store, SMSHTTP_DLR_STATUS: 'DELIVRD=delivered,UNDELIV=undelivered', SMSKANNEL_DLRPARAMS: 'dlr=state' }
    const sent = await runCli(['--json'], env(settings))
    const { messageId } = JSON.parse(sent.stdout)
    const run = await runCli(['feedback', `seq=4711&msgid=${messageId}&state=DELIVRD`], env(settings))
    expect(run.code).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ messageId, sequence: '4711', dlr: 1, status: 'delivered' })
    expect((await runCli(['status', messageId], env(settings))).stdout).toContain(': delivered')
  })

  it.each([
    {
      example: 'http-vonage.conf',
      secret: { SMSHTTP_PASSWORD: PASSWORD },
      url: 'https://rest.nexmo.com/sms/json',
      body: /^api_key=your-api-key&api_secret=\*{8}&from=VISULOX&to=491701234567&text=PIN%20\*{8}%20Gr%C3%B6%C3%9Fe&type=text&client-ref=[0-9a-f-]{36}&callback=https%3A%2F%2Fvlx\.example\.com%3A8443%2FsmsKannelfeedback%3Fseq%3D4711%26msgid%3D[0-9a-f-]{36}$/,
    },
    { example: 'http-seven.conf', secret: { SMSHTTP_TOKEN: PASSWORD }, url: 'https://gateway.seven.io/api/sms', body: /^to=%2B491701234567&text=PIN%20\*{8}%20Gr%C3%B6%C3%9Fe&from=VISULOX&json=1$/ },
  ])('examples/$example is a valid configuration and builds the documented request', async ({ example, secret, url, body }) => {
    const path = join(import.meta.dirname, '../../examples', example)
    const run = await runCli(['--config', path, '--dry-run'], { VLXSMS: '+49 170 1234567', VLXPIN: PIN, VLXPIN_SEQUENCE: '4711', VLXPIN_TEXT: `PIN ${PIN} Größe`, ...secret })
    expect(run.code).toBe(EXIT.ok)
    const request = JSON.parse(run.stdout)
    expect([request.method, request.url]).toEqual(['POST', url])
    expect(request.body).toMatch(body)
    expectNoSecrets(run.stdout + run.stderr)
  })

  it.each([
    { case: 'a GSM text of 107 characters', text: 'Your VISULOX PIN: 482913 - valid until 2026-12-07 15:11 (sequence 4711). Do not share this PIN with anyone.', type: 'text', shown: '1 part, GSM 7-bit' },
    { case: 'a Cyrillic text of 70 characters', text: `Ваш PIN: 482913, действителен до 15:11. ${'Ж'.repeat(30)}`, type: 'unicode', shown: '1 part, UCS-2' },
  ])('examples/http-vonage.conf asks Vonage for the encoding the text is counted in: $case', async ({ text, type, shown }) => {
    const path = join(import.meta.dirname, '../../examples/http-vonage.conf')
    const run = await runCli(['send', '--config', path, '--to', '+49 170 1234567', '--text', text, '--dry-run'], { SMSHTTP_PASSWORD: PASSWORD })
    expect(run.code).toBe(EXIT.ok)
    expect(new URLSearchParams(JSON.parse(run.stdout).body).get('type')).toBe(type)
    expect(run.stderr).toContain(`(${shown})`)
  })

  it('examples/http-vonage.conf refuses a UCS-2 text of 71 characters (2 parts) under smskannel.maxparts = 1', async () => {
    const path = join(import.meta.dirname, '../../examples/http-vonage.conf')
    const run = await runCli(['send', '--config', path, '--to', '+49 170 1234567', '--text', `Ваш PIN: 482913, действителен до 15:11. ${'Ж'.repeat(31)}`, '--dry-run'], { SMSHTTP_PASSWORD: PASSWORD })
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain('The text is 71 UCS-2 characters, 2 SMS parts; at most 1 part (70 UCS-2 characters) allowed.')
    expect(run.stdout).toBe('')
  })

  it('http.unicode-values must be two values', async () => {
    const run = await runCli(['config'], env({ SMSHTTP_UNICODE_VALUES: 'text' }))
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr).toContain('http.unicode-values "text" (from environment SMSHTTP_UNICODE_VALUES) must be two values separated by a comma')
  })

  it('a Vonage delivery receipt, with Vonage\'s names and values, becomes a delivered event (examples/http-vonage.conf)', async () => {
    const path = join(import.meta.dirname, '../../examples/http-vonage.conf')
    const run = await runCli(['feedback', '--config', path, 'msisdn=491701234567&to=VISULOX&messageId=0A0000000123ABCD1&status=delivered&err-code=0&client-ref=01a2-m1'])
    expect(run.code).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ messageId: '01a2-m1', dlr: 1, status: 'delivered', smscMessageId: '0A0000000123ABCD1', recipient: '491701234567' })
  })

  it('serve with examples/http-vonage.conf takes Vonage\'s "unknown" (not final) and values in another case; an unmapped value is named', async () => {
    const path = join(import.meta.dirname, '../../examples/http-vonage.conf')
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-http-')), 'events.db')
    const serve = await startServe(['--config', path, '--store', store])
    const messageId = '01a250ac-0000-7000-8000-00000000000b'
    const callback = async (status: string) => {
      const query = `msisdn=491701234567&to=VISULOX&messageId=0A0000000123ABCD1&status=${status}&err-code=0&client-ref=${messageId}&message-timestamp=2026-12-07+13%3A00%3A00`
      const response = await fetch(`${serve.base}/smsKannelfeedback?${query}`)
      return response.status
    }
    try {
      expect(await callback('unknown')).toBe(200)
      expect(await callback('Delivered')).toBe(200)
      expect(await callback('bogus')).toBe(400)
      // The log line may come just after the answer.
      await vi.waitFor(() => expect(serve.stderr()).toContain('400 not a delivery report: status=bogus is not in http.dlr-status'))
    } finally {
      serve.child.kill('SIGTERM')
      await serve.exited
    }
    const status = JSON.parse((await runCli(['status', messageId, '--json', '--store', store])).stdout)
    expect(status.timelines[0].steps.map((step: { what: string }) => step.what)).toEqual(['accepted', 'delivered'])
    expect(status.timelines[0].result).toBe('delivered')
  })
})
