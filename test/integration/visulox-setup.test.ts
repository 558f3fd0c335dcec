import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { analyseText } from '../../src/core/sms-text.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe, type ServeProcess } from '../helpers/serve-process.js'
import { wikiTable } from '../helpers/visulox-table.js'
import { describeWithKannel, freePorts, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, uniqueToken, waitForMessage } from './messages.js'

const PIN = '904417'

/** The text: `€` falls on the boundary of part 1, so Kannel needs 3 parts for 306 septets. */
function escapeOnBoundary(tail: string): string {
  return 'a'.repeat(152) + '€' + 'b'.repeat(147) + tail
}

/** Sends with Kannel's own sendsms, bypassing sms-kannel's checks, to see what Kannel does. */
async function sendDirectly(stack: KannelStack, text: string, coding: '0' | '2'): Promise<string> {
  const query = new URLSearchParams({ username: stack.user, password: stack.password, to: '+491701234567', text, charset: 'UTF-8', coding })
  const reply = await fetch(`${stack.gatewayUrl}/cgi-bin/sendsms?${query}`)
  return `${reply.status} ${await reply.text()}`
}

describeWithKannel('the VISULOX wiki setup and part counting against a real Kannel (max-messages 2)', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel({ user: 'visulox', maxMessages: 2 })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('the wiki\'s table pasted into the config file delivers the PIN from VISULOX RA 2FA PIN, with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-wiki-'))
    writeFileSync(join(dir, 'sms-kannel.conf'), wikiTable(stack.gatewayUrl), { mode: 0o600 })
    const sequence = uniqueToken()
    const text = `Your VISULOX PIN: ${PIN}\nSequence: ${sequence}`
    const run = await runCli([], { SMSKANNEL_CONFIG: join(dir, 'sms-kannel.conf'), SMSKANNEL_PASSWORD: stack.password, VLXSMS: '+49 170 1234567', VLXPIN: PIN, VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: text })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toBe('warning: smskannel.sender "VISULOX RA 2FA PIN" is 18 characters; SMSCs commonly keep 11 of a sender with letters, so phones may show "VISULOX RA ". Kannel sends it as configured.\n')
    expect(await waitForMessage(stack, sequence)).toEqual({ from: 'VISULOX RA 2FA PIN', to: '+491701234567', type: 'text', text, parts: 1 })

    const checked = await runCli(['config', '--check'], { SMSKANNEL_CONFIG: join(dir, 'sms-kannel.conf'), SMSKANNEL_PASSWORD: stack.password })
    expect(checked.code, checked.stderr).toBe(EXIT.ok)
    expect(checked.stderr).toMatch(/^warning: smskannel\.sender "VISULOX RA 2FA PIN" is 18 characters;.*\n✔ http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/sendsms is a Kannel smsbox and accepts these credentials/)
  })

  it.each([
    { name: 'GSM, € inside part 1', text: 'a'.repeat(151) + '€' + 'b'.repeat(149) + 'END' },
    { name: 'GSM, ] on the boundary, 2 parts', text: 'a'.repeat(152) + ']' + 'b'.repeat(140) + 'END' },
    { name: 'UCS-2, an emoji across the boundary, 134 units', text: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(63) + 'END' },
    { name: 'UCS-2, 134 units', text: 'Ж'.repeat(131) + 'END' },
  ])('$name: sms-kannel\'s part count is Kannel\'s, and the text arrives whole', async ({ text: template }) => {
    const token = uniqueToken()
    const text = template.replace('END', token.slice(0, 3))
    const run = await runCli(['send', '--to', '+491701234567', '--text', text, '--max-parts', '2', '--json'], gatewayEnv(stack))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    const message = await waitForMessage(stack, text.slice(-20))
    expect(message.text).toBe(text)
    expect(message.parts).toBe(JSON.parse(run.stdout).parts)
    expect(message.parts).toBe(analyseText(text).parts)
  })

  it.each([
    { name: 'GSM: 152 a, €, 147 b, END12', text: escapeOnBoundary('END12'), coding: '0' as const, kept: escapeOnBoundary('END1') },
    { name: 'UCS-2: 66 Ж, emoji, 65 Ж, END', text: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(65) + 'END', coding: '2' as const, kept: 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(65) + 'E' },
  ])('$name needs 3 parts: sms-kannel refuses it (65), where Kannel answers 202 and drops the end', async ({ text, coding, kept }) => {
    const run = await runCli(['send', '--to', '+491701234567', '--text', text, '--max-parts', '2'], gatewayEnv(stack))
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toMatch(/3 SMS parts; at most 2 parts/)

    expect(await sendDirectly(stack, text, coding)).toBe('202 0: Accepted for delivery')
    const truncated = await stack.waitFor('the truncated text at fakesmsc', () => stack.messages().find((message) => message.text === kept))
    expect(truncated.parts).toBe(2)
  })
})

describeWithKannel('a sender and a password outside ASCII, by POST headers and by GET', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel({ password: 'pässwört-Ω-1' })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it.each(['post', 'get'])('%s: Kannel takes the password and sends from Grüße Ж', async (method) => {
    const token = uniqueToken()
    const run = await runCli(['send', '--to', '+491701234567', '--text', `utf8 ${token}`, '--method', method, '--sender', 'Grüße Ж'], gatewayEnv(stack))
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toMatch(/outside the GSM alphabet \(Ж\)/)
    expect(await waitForMessage(stack, token)).toMatchObject({ from: 'Grüße Ж', text: `utf8 ${token}` })
  })
})

describeWithKannel('Kannel\'s own 503: queue full (sms-outgoing-queue-limit = 2) and the SMSC gone', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel({ coreExtra: ['sms-outgoing-queue-limit = 2'] })
    await stack.stopFakesmsc()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('two sends are queued with a warning; the third gets 503 from Kannel: exit 75, nothing sent, retried within the timeout', async () => {
    const send = (token: string) => runCli(['send', '--to', '+491701234567', '--text', `queued ${token}`, '--timeout', '2s', '--json'], gatewayEnv(stack))
    for (const token of ['q1', 'q2']) {
      const queued = await send(token)
      expect(queued.code, queued.stderr).toBe(EXIT.ok)
      expect(JSON.parse(queued.stdout)).toMatchObject({ outcome: 'queued', httpStatus: 202, reply: '3: Queued for later delivery' })
      expect(queued.stderr).toMatch(/warning: Kannel queued the SMS/)
    }
    const refused = await send('q3')
    expect(refused.code).toBe(EXIT.gatewayUnavailable)
    expect(JSON.parse(refused.stdout)).toMatchObject({ outcome: 'error', exitCode: EXIT.gatewayUnavailable })
    expect(refused.stderr).toMatch(/503/)
    expect(refused.stderr).toMatch(/gave up after \d+ tries/)
    expect(stack.log('bearerbox.log')).toMatch(/Message rejected by bearerbox, queue full/)
  })
})

describeWithKannel('Kannel retries a DLR callback (http-request-retry) until serve is up: stored once', () => {
  let stack: KannelStack
  let serve: ServeProcess | undefined
  beforeAll(async () => {
    stack = await startKannel({ smsboxExtra: ['http-request-retry = 3', 'http-queue-delay = 2', 'http-timeout = 10'] })
  })
  afterAll(async () => {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL')
    await stack?.stop()
  })

  it('the first callbacks are refused, the retries reach serve, status shows each report once', async () => {
    const [port] = (await freePorts(1)) as [number]
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-retry-')), 'events.db')
    const sequence = String(Date.now() % 1_000_000)
    const sent = await runCli(['--json'], {
      ...gatewayEnv(stack, { SMSKANNEL_FEEDBACKURL: `http://127.0.0.1:${port}/smsKannelfeedback` }),
      VLXSMS: '+491701234567',
      VLXPIN: PIN,
      VLXPIN_SEQUENCE: sequence,
      VLXPIN_TEXT: `PIN ${PIN} seq ${sequence}`,
    })
    expect(sent.code, sent.stderr).toBe(EXIT.ok)
    const { messageId } = JSON.parse(sent.stdout)
    await stack.waitFor('smsbox to fail the first callback', () => (/Couldn't fetch/.test(stack.log('smsbox.log')) ? true : undefined), 15_000)

    serve = await startServe(['--store', store, '--listen', `127.0.0.1:${port}`])
    const timeline = await stack.waitFor('status delivered', async () => {
      const shown = await runCli(['status', sequence, '--store', store, '--json'])
      if (shown.code !== 0) return undefined
      const [first] = JSON.parse(shown.stdout).timelines
      return first.result === 'delivered' ? first : undefined
    }, 20_000)
    expect(timeline).toMatchObject({ messageId, sequence })
    expect(stack.log('smsbox.log')).toMatch(/Retrying request/)
    // Both reports arrived by retry, each stored once; nothing came twice.
    const stored = serve.stderr().match(/^200 \S+: dlr=\d+/gm) ?? []
    expect(stored.sort()).toEqual(['200 new: dlr=1', '200 new: dlr=8'])
  })
})
