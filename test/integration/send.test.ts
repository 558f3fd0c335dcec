import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { expectNeverSent, gatewayEnv, uniqueToken, waitForMessage } from './messages.js'

const PIN = '731904'

function expectNoSecrets(stack: KannelStack, text: string): void {
  for (const secret of [stack.password, PIN]) expect(text).not.toContain(secret)
}

describeWithKannel('send through a real Kannel (bearerbox + smsbox + fakesmsc)', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel({ smscExtra: ['denied-prefix = 999'] })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it.each([
    { method: 'post', name: 'GSM text with umlauts and €', text: `Ihre PIN: ${PIN}\nGültig bis 12:30 € [x] {ä|ö|ü|ß}\nSeq: 4711`, type: 'text' },
    { method: 'get', name: 'GSM text with umlauts and €', text: `Ihre PIN: ${PIN}\nGültig bis 12:30 € [x] {ä|ö|ü|ß}\nSeq: 4711`, type: 'text' },
    { method: 'post', name: 'Cyrillic and emoji', text: `Ваш PIN: ${PIN} 😀\nSeq: 4711`, type: 'ucs-2' },
    { method: 'get', name: 'Cyrillic and emoji', text: `Ваш PIN: ${PIN} 😀\nSeq: 4711`, type: 'ucs-2' },
  ])('the wrapper\'s call (env only, $method) delivers $name exactly, as $type', async ({ method, text: template, type }) => {
    const sequence = uniqueToken()
    const text = template.replace('4711', sequence)
    const run = await runCli([], gatewayEnv(stack, {
      SMSKANNEL_METHOD: method,
      VLXSMS: '+49 170 1234567',
      VLXPIN_TEXT: text,
      VLXPIN: PIN,
      VLXPIN_SEQUENCE: sequence,
    }))
    expect(run.code).toBe(0)
    // Quiet success for the wrapper: no terminal, no output.
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('')
    const message = await waitForMessage(stack, sequence)
    expect(message).toEqual({ from: '13013', to: '+491701234567', type, text, parts: 1 })
  })

  it.each(['post', 'get'])('sends +49 (170) 123-4567 to one recipient, +491701234567 (%s)', async (method) => {
    const token = uniqueToken()
    const run = await runCli(['send', '--to', '+49 (170) 123-4567', '--text', `one recipient ${token}`, '--method', method], gatewayEnv(stack))
    expect(run.code).toBe(0)
    await waitForMessage(stack, token)
    await expectNeverSent(stack, 'never')
    expect(stack.messages().filter((message) => message.text.includes(token))).toEqual([{ from: '13013', to: '+491701234567', type: 'text', text: `one recipient ${token}`, parts: 1 }])
  })

  it.each(['post', 'get'])('DLR callbacks (%s) reach the feedback URL with the sequence and message id', async (method) => {
    const run = await runCli(['--json', '--method', method], gatewayEnv(stack, {
      SMSKANNEL_FEEDBACKURL: `${stack.feedbackUrl}?site=lab%C3%A4`,
      VLXSMS: '+491701234567',
      VLXPIN_TEXT: `PIN ${PIN} seq 90${method.length}`,
      VLXPIN: PIN,
      VLXPIN_SEQUENCE: `90${method.length}`,
    }))
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ outcome: 'accepted', httpStatus: 202, reply: '0: Accepted for delivery', sequence: `90${method.length}`, to: '+4917*****567' })
    const dlrs = await stack.waitFor('DLR 8 and 1', () => {
      const mine = stack.dlrs.filter((dlr) => dlr.query.get('msgid') === result.messageId)
      return mine.length >= 2 ? mine : undefined
    })
    expect(dlrs.map((dlr) => dlr.query.get('dlr')).sort()).toEqual(['1', '8'])
    for (const dlr of dlrs) {
      expect(dlr.path).toBe('/smsKannelfeedback')
      expect(dlr.query.get('site')).toBe('labä')
      expect(dlr.query.get('seq')).toBe(`90${method.length}`)
      expect(dlr.query.get('recipient')).toBe('+491701234567')
      expect(dlr.query.get('smsc')).toBe('fake1')
      expect(dlr.query.get('time')).toMatch(/^\d{10}$/)
    }
    expect(dlrs.find((dlr) => dlr.query.get('dlr') === '8')?.query.get('reply')).toBe('ACK/')
    expect(dlrs.find((dlr) => dlr.query.get('dlr') === '1')?.query.get('smscmsgid')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it.each(['post', 'get'])('a wrong password exits 77 (%s) and sends nothing', async (method) => {
    const token = uniqueToken()
    const run = await runCli(['--method', method], gatewayEnv(stack, { SMSKANNEL_PASSWORD: 'wrong-password', VLXSMS: '+491701234567', VLXPIN_TEXT: `x ${token}` }))
    expect(run.code).toBe(EXIT.auth)
    expect(run.stderr).toContain('error: Kannel refused the credentials: Authorization failed for sendsms.')
    expect(run.stderr).not.toContain('wrong-password')
    await expectNeverSent(stack, token)
  })

  it.each([
    { name: 'letters', number: 'call 0170 1234567' },
    { name: 'a comma list', number: '0170123,0170124' },
  ])('an invalid number ($name) exits 65 and nothing reaches fakesmsc', async ({ number }) => {
    const token = uniqueToken()
    const run = await runCli([], gatewayEnv(stack, { VLXSMS: number, VLXPIN_TEXT: `PIN ${PIN} ${token}`, VLXPIN: PIN }))
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toMatch(/does not match regexp\.sms/)
    await expectNeverSent(stack, token)
  })

  it('a number Kannel cannot route exits 69 (the other 403)', async () => {
    const run = await runCli(['--to', '9991234567', '--text', 'x'], gatewayEnv(stack))
    expect(run.code).toBe(EXIT.gatewayRejected)
    expect(run.stderr).toContain('Not routable')
  })

  it('refuses an over-long text before Kannel could truncate it', async () => {
    const token = uniqueToken()
    const run = await runCli(['--to', '+491701234567', '--text', `${token}${'x'.repeat(150)}[]`], gatewayEnv(stack))
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain('162 GSM characters, 2 SMS parts')
    await expectNeverSent(stack, token)
  })

  it.each([
    { name: 'GSM', text: `PIN ${PIN} ` + 'abcdefghij'.repeat(27) + ' ä€', encoding: 'gsm7' },
    { name: 'UCS-2', text: `PIN ${PIN} ` + 'Жabcdefghi'.repeat(8) + '😀', encoding: 'ucs2' },
  ])('with --max-parts 2, a two-part $name text arrives whole', async ({ text: template, encoding }) => {
    const token = uniqueToken()
    const text = `${token} ${template}`
    const run = await runCli(['--to', '+491701234567', '--text', text, '--max-parts', '2', '--json'], gatewayEnv(stack))
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ parts: 2, encoding })
    const message = await waitForMessage(stack, token)
    expect(message).toMatchObject({ type: 'concatenated', parts: 2, text })
  })

  it.each(['post', 'get'])('config --check (%s) proves the gateway and credentials, and sends nothing', async (method) => {
    const countBefore = stack.messages().length
    const ok = await runCli(['config', '--check', '--method', method], gatewayEnv(stack))
    expect(ok.code).toBe(0)
    expect(ok.stderr).toContain('is a Kannel smsbox and accepts these credentials (nothing was sent)')
    const wrong = await runCli(['config', '--check', '--method', method], gatewayEnv(stack, { SMSKANNEL_PASSWORD: 'nope-nope' }))
    expect(wrong.code).toBe(EXIT.auth)
    const wrongPath = await runCli(['config', '--check', '--postquery', '/cgi-bin/sendsms2'], gatewayEnv(stack))
    expect(wrongPath.code).toBe(EXIT.protocol)
    expectNoSecrets(stack, ok.stdout + ok.stderr + wrong.stderr)
    // A check has no recipient and no text: proven by a marker being the only new message.
    await expectNeverSent(stack, 'never')
    expect(stack.messages().slice(countBefore).map((message) => message.text)).toEqual([expect.stringMatching(/^marker /)])
  })

  it('--verbose of a real send never shows the password or the PIN', async () => {
    for (const method of ['post', 'get']) {
      const run = await runCli(['--verbose', '--json', '--method', method], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN ${PIN}`, VLXPIN: PIN, VLXPIN_SEQUENCE: '5' }))
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(/reply from 127\.0\.0\.1:\d+: HTTP 202 "0: Accepted for delivery"/)
      expectNoSecrets(stack, run.stdout + run.stderr)
    }
  })

  it('a pasted text with typographic look-alikes arrives as one GSM part, with them replaced', async () => {
    const token = uniqueToken()
    const pasted = `${token}\u00a0PIN ${PIN} \u2013 \u201egültig\u201c bis 14:26 Uhr \u2026 bitte nicht weitergeben, auch nicht an Kollegen\u2019 Postfächer.`
    const run = await runCli(['--to', '+491701234567', '--text', pasted, '--json'], gatewayEnv(stack))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('warning: The text had 1 typographic dash (U+2013); sent as -.')
    const message = await waitForMessage(stack, token)
    expect(message).toMatchObject({ type: 'text', parts: 1, text: `${token} PIN ${PIN} - "gültig" bis 14:26 Uhr ... bitte nicht weitergeben, auch nicht an Kollegen' Postfächer.` })
  })

  it.each([
    { name: 'a rate limit (429)', status: 429 },
    { name: 'a default vhost (404)', status: 404 },
  ])('a first gateway answering $name sent nothing: the real Kannel listed second gets the PIN, once', async ({ status }) => {
    const front = createServer((_, response) => response.writeHead(status, { server: 'nginx' }).end('<html>no</html>'))
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
    try {
      const token = uniqueToken()
      const run = await runCli(['--to', '+491701234567', '--text', `failover ${token}`, '--json'], gatewayEnv(stack, { SMSKANNEL_GWURL: `http://127.0.0.1:${(front.address() as AddressInfo).port} ${stack.gatewayUrl}` }))
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'accepted', tries: 2 })
      await waitForMessage(stack, token)
      await expectNeverSent(stack, 'never')
      expect(stack.messages().filter((message) => message.text.includes(token))).toHaveLength(1)
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()))
    }
  })

  it('smsbox down exits 75: nothing was sent, try later', async () => {
    await stack.stopSmsbox()
    // A refused connection is retried (smsbox restarts within ~10 s after a crash) until the timeout.
    const run = await runCli(['--timeout', '1500ms'], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN ${PIN}`, VLXPIN: PIN }))
    expect(run.code).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(/error: Connection refused by 127\.0\.0\.1:\d+: is smsbox running\? \(gave up after \d+ tries on 1 gateway\)\nhint: Nothing was sent; try again later\./)
  })
})

describeWithKannel('send through a Kannel whose bearerbox has no SMSC connected', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel({ fakesmsc: false })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('reports "queued" and exits 0 with a warning', async () => {
    const run = await runCli(['--json'], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN ${PIN}`, VLXPIN: PIN }))
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'queued', reply: '3: Queued for later delivery' })
    expect(run.stderr).toMatch(/^warning: Kannel queued the SMS: no SMSC is connected/m)
  })
})
