import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'

const PIN = '482913'

interface Received {
  path: string
  body: string
}

/**
 * A loopback server answering by path: /kannel as a Kannel smsbox (202), /429 rate-limited,
 * /404 a default vhost, /ok an HTTP gateway's success; every request is kept.
 */
let server: Server
let base: string
let notHttp: ReturnType<typeof createNetServer>
let notHttpUrl: string
const sockets = new Set<Socket>()
const received: Received[] = []
const answers: Record<string, { status: number; server?: string; body: string }> = {
  '/kannel/cgi-bin/sendsms': { status: 202, server: 'Kannel/1.4.5', body: '0: Accepted for delivery' },
  '/429/cgi-bin/sendsms': { status: 429, server: 'nginx', body: 'Too Many Requests' },
  '/404/cgi-bin/sendsms': { status: 404, server: 'nginx', body: '<html>Not Found</html>' },
  '/200/cgi-bin/sendsms': { status: 200, server: 'nginx', body: '<html>Welcome</html>' },
  '/429': { status: 429, body: 'Too Many Requests' },
  '/404': { status: 404, body: 'no' },
  '/ok': { status: 200, body: 'OK' },
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://gw').pathname
      received.push({ path, body: Buffer.concat(chunks).toString('utf8') })
      const answer = answers[path] ?? { status: 500, body: 'unscripted' }
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...(answer.server ? { server: answer.server } : {}) }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // An SSH banner: a port that is no HTTP server at all.
  notHttp = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.end('SSH-2.0-OpenSSH_9.6\r\n')
  })
  await new Promise<void>((resolve) => notHttp.listen(0, '127.0.0.1', resolve))
  notHttpUrl = `http://127.0.0.1:${(notHttp.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => notHttp.close(() => resolve()))
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function since(count: number): string[] {
  return received.slice(count).map((request) => request.path)
}

const kannelEnv = (gwurl: string, extra: Record<string, string> = {}) => ({
  SMSKANNEL_GWURL: gwurl,
  SMSKANNEL_USER: 'tester',
  SMSKANNEL_PASSWORD: 'pw-Secret-9',
  VLXSMS: '+49 170 1234567',
  VLXPIN: PIN,
  VLXPIN_TEXT: `PIN ${PIN}`,
  ...extra,
})

const httpEnv = (urls: string, extra: Record<string, string> = {}) => ({
  SMS_PROVIDER: 'http',
  SMSHTTP_URL: urls,
  SMSHTTP_METHOD: 'post-form',
  SMSHTTP_PARAMS: 'to={to}&text={text}&apikey={password}',
  SMSHTTP_PASSWORD: 'k3y-secret',
  VLXSMS: '+49 170 1234567',
  VLXPIN: PIN,
  VLXPIN_TEXT: `PIN ${PIN}`,
  ...extra,
})

/** 103 characters: one GSM SMS, two UCS-2 parts; every look-alike a word processor writes. */
const PASTED = `Ihre PIN:\u00a0${PIN} \u2013 \u201egültig\u201c bis 14:26\u202fUhr \u2014 Seq.\u200717 \u2026 nicht weitergeben \u2018bitte\u2019, \u201aDanke\u2019 \u2212 \u201cVISULOX\u201d.`
const PASTED_AS_GSM = `Ihre PIN: ${PIN} - "gültig" bis 14:26 Uhr - Seq. 17 ... nicht weitergeben 'bitte', 'Danke' - "VISULOX".`

describe('typographic look-alikes in a pasted text', () => {
  it('Kannel: mapped to GSM, one warning per kind, sent as one GSM 7-bit part', async () => {
    const before = received.length
    const run = await runCli(['--json'], kannelEnv(`${base}/kannel`, { VLXPIN_TEXT: PASTED }))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ encoding: 'gsm7', parts: 1, outcome: 'accepted' })
    expect(received.slice(before).map((request) => request.body)).toEqual([PASTED_AS_GSM])
    expect(run.stderr.split('\n').filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: The text had 3 no-break spaces (U+00A0, U+2007, U+202F); each is sent as a space.',
      'warning: The text had 3 typographic dashes (U+2013, U+2014, U+2212); each is sent as -.',
      "warning: The text had 4 typographic single quotes (U+2018, U+2019, U+201A); each is sent as '.",
      'warning: The text had 4 typographic double quotes (U+201C, U+201D, U+201E); each is sent as ".',
      'warning: The text had 1 ellipsis character (U+2026); sent as ....',
    ])
  })

  it('a formatted PIN with a narrow no-break space stays hidden once it is a plain space, and counts as in the text', async () => {
    const run = await runCli(['--dry-run', '--json'], kannelEnv(`${base}/kannel`, { VLXPIN_FMT: '482\u202f913', VLXPIN_TEXT: 'PIN 482\u202f913' }))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ encoding: 'gsm7', request: { body: 'PIN ********' } })
    expect(run.stdout + run.stderr).not.toContain('482 913')
    expect(run.stderr).not.toContain('does not contain the PIN')
  })

    it('a text that is UCS-2 anyway (Cyrillic) keeps them, and the refusal names the real cause by code point', async () => {
    const run = await runCli(['--dry-run'], kannelEnv(`${base}/kannel`, { VLXPIN_TEXT: `Ж ${PASTED}` }))
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain('It is sent as UCS-2 because of "Ж" (U+0416).')
    expect(run.stderr).not.toContain('warning:')
  })

  it('an HTTP gateway with http.charset = iso-8859-1 gets the GSM text', async () => {
    const before = received.length
    const run = await runCli(['--json'], httpEnv(`${base}/ok`, { SMSHTTP_CHARSET: 'iso-8859-1', VLXPIN_TEXT: `${PASTED} €` }))
    expect(run.code, run.stderr).toBe(EXIT.input)
    expect(run.stderr).toContain('The text has characters iso-8859-1 lacks: "€" (U+20AC);')
    const plain = await runCli(['--json'], httpEnv(`${base}/ok`, { SMSHTTP_CHARSET: 'iso-8859-1', VLXPIN_TEXT: PASTED }))
    expect(plain.code, plain.stderr).toBe(EXIT.ok)
    expect(JSON.parse(plain.stdout)).toMatchObject({ encoding: 'gsm7', parts: 1 })
    expect(received.slice(before)).toHaveLength(1)
    const field = /(?:^|&)text=([^&]*)/.exec(received.at(-1)!.body)![1]!
    expect(field.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))).toBe(PASTED_AS_GSM.replace(PIN, PIN))
  })

  it('SMS4.de: the ones ISO-8859-15 lacks are mapped (U+00A0, which it has, stays), so the text is not UCS-2', async () => {
    const run = await runCli(['--dry-run', '--json'], {
      SMS_PROVIDER: 'sms4de',
      SMS4DE_USER: 'vlx',
      SMS4DE_PASSWORD: 'Pa55-word',
      SMS4DE_KDNR: '12345',
      SMS4DE_URL: `${base}/sms4de`,
      VLXSMS: '+491701234567',
      VLXPIN: PIN,
      VLXPIN_TEXT: PASTED,
    })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ encoding: 'iso-8859-15', units: [...PASTED_AS_GSM].length })
    expect(JSON.parse(run.stdout).request.body).toContain('%A0') // U+00A0 is byte A0 in ISO-8859-15
    expect(run.stderr).toContain('warning: The text had 3 typographic dashes (U+2013, U+2014, U+2212); each is sent as -.')
    expect(run.stderr).toContain('warning: The text had 2 no-break spaces (U+2007, U+202F); each is sent as a space.')
  })
})

describe('HTTP 429: rate limited, nothing was sent', () => {
  it('Kannel behind a rate limit: exit 75, and the next gateway takes it', async () => {
    const alone = await runCli(['--timeout', '1s'], kannelEnv(`${base}/429`))
    expect(alone.code, alone.stderr).toBe(EXIT.gatewayUnavailable)
    expect(alone.stderr).toMatch(/^error: The gateway is rate-limiting \(HTTP 429: Too Many Requests\); nothing was sent\. \(gave up after \d+ tries on 1 gateway\)/m)
    const before = received.length
    const next = await runCli(['--json'], kannelEnv(`${base}/429 ${base}/kannel`))
    expect(next.code, next.stderr).toBe(EXIT.ok)
    expect(since(before)).toEqual(['/429/cgi-bin/sendsms', '/kannel/cgi-bin/sendsms'])
  })

  it('an HTTP gateway: 429 is in the default http.retry-status: exit 75 alone, the next URL takes it', async () => {
    const alone = await runCli(['--timeout', '1s'], httpEnv(`${base}/429`))
    expect(alone.code, alone.stderr).toBe(EXIT.gatewayUnavailable)
    const before = received.length
    const next = await runCli(['--json'], httpEnv(`${base}/429, ${base}/ok`))
    expect(next.code, next.stderr).toBe(EXIT.ok)
    expect(since(before)).toEqual(['/429', '/ok'])
  })
})

describe('a first gateway that provably sent nothing does not stop the send', () => {
  it.each([
    { name: 'a 404 page (not Kannel)', first: () => `${base}/404`, warning: /^warning: 127\.0\.0\.1:\d+ is not a working gateway and sent nothing, so the next one is tried: The gateway's reply is not Kannel's \(HTTP 404/m },
    { name: 'a port that does not speak HTTP', first: () => notHttpUrl, warning: /^warning: 127\.0\.0\.1:\d+ is not a working gateway and sent nothing, so the next one is tried: 127\.0\.0\.1:\d+ does not speak HTTP/m },
  ])('$name: the second gateway takes it, with a warning naming the first', async ({ first, warning }) => {
    const before = received.length
    const run = await runCli(['--json'], kannelEnv(`${first()} ${base}/kannel`))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toMatch(warning)
    expect(JSON.parse(run.stdout).warnings).toEqual([expect.stringMatching(/is not a working gateway/)])
    expect(since(before).at(-1)).toBe('/kannel/cgi-bin/sendsms')
  })

  it('exit 76 only when no gateway could take it', async () => {
    const run = await runCli([], kannelEnv(`${base}/404 ${notHttpUrl}`))
    expect(run.code).toBe(EXIT.protocol)
    expect(run.stderr).toMatch(/^error: 127\.0\.0\.1:\d+ does not speak HTTP/m)
  })

  it('an odd 200 page might have passed the request on: not resent (76, one request)', async () => {
    const before = received.length
    const run = await runCli([], kannelEnv(`${base}/200 ${base}/kannel`))
    expect(run.code).toBe(EXIT.protocol)
    expect(since(before)).toEqual(['/200/cgi-bin/sendsms'])
  })

  it('an HTTP gateway: a 404 at the first URL, the second takes it', async () => {
    const before = received.length
    const run = await runCli([], httpEnv(`${base}/404, ${base}/ok`))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(since(before)).toEqual(['/404', '/ok'])
  })
})

describe('numbers with a doubled international prefix', () => {
  it.each(['+00491701234567', '+00 49 170 1234567'])('%s is sent to +491701234567', async (number) => {
    const run = await runCli(['--dry-run', '--json', '--to', number], kannelEnv(`${base}/kannel`))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout).request.headers['x-kannel-to']).toBe('+491701234567')
  })

  it.each(['000491701234567', '+0491701234567', '+000 49 170 1234567'])('%s is refused (65): no country code starts with 0', async (number) => {
    const run = await runCli(['--dry-run', '--to', number], kannelEnv(`${base}/kannel`))
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain('has no country code: after the international prefix it goes on with 0')
  })
})
