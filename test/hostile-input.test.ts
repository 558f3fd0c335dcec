import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'
import { trackServes } from './helpers/serve-process.js'

const PIN = '482913'
const gateway = { SMSKANNEL_GWURL: 'http://127.0.0.1:9/cgi-bin/sendsms', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: 'pw-secret-1' }
const visulox = { VLXSMS: '+49 170 1234567', VLXPIN: PIN, VLXPIN_SEQUENCE: '17', VLXPIN_EXPIRATIONTIME: '1796000000' }

async function dryRun(env: Record<string, string>) {
  const run = await runCli(['--dry-run', '--json'], { ...gateway, ...visulox, ...env })
  return { ...run, result: run.code === EXIT.ok ? JSON.parse(run.stdout) : undefined }
}

describe('blank VISULOX variables are unset ones', () => {
  it.each(['', '   ', '\t \u00a0'])('VLXPIN %j warns that the SMS has no PIN', async (pin) => {
    const run = await dryRun({ VLXPIN: pin })
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr).toContain('warning: smskannel.template uses ${VLXPIN}, which is not set')
  })

  it.each(['', '   '])('VLXPIN_SEQUENCE %j leaves the sequence out, with a warning', async (sequence) => {
    const run = await dryRun({ VLXPIN_SEQUENCE: sequence })
    expect(run.code).toBe(EXIT.ok)
    expect(run.result.sequence).toBeNull()
    expect(run.stderr).toContain('warning: smskannel.template uses ${VLXPIN_SEQUENCE}, which is not set')
  })

  it('a padded VLXPIN is found in the text that holds it', async () => {
    const run = await dryRun({ VLXPIN: `  ${PIN} `, VLXPIN_TEXT: `PIN ${PIN} seq 17` })
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr).not.toContain('does not contain the PIN')
    expect(run.result.request.body).toBe('PIN ******** seq 17')
  })

  it.each([
    { name: 'U+FFFD', sequence: '17\ufffd', shown: '17\\uFFFD' },
    { name: 'a bidi override', sequence: '\u202e71', shown: '\\u202E71' },
    { name: 'a zero-width space', sequence: '1\u200b7', shown: '1\\u200B7' },
  ])('VLXPIN_SEQUENCE with $name is refused like a control character', async ({ sequence, shown }) => {
    const run = await dryRun({ VLXPIN_SEQUENCE: sequence })
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain(`error: VLXPIN_SEQUENCE "${shown}" is not a sequence number.`)
    expect(run.stderr).not.toMatch(/[\u202e\u200b\ufffd]/)
  })
})

describe('VLXSMS copied from a web page or an East Asian keyboard', () => {
  it.each([
    { name: 'no-break spaces', number: '+49\u00a0170\u00a01234567' },
    { name: 'narrow and figure spaces', number: '+49\u202f170\u20071234567' },
    { name: 'full-width digits and plus', number: '\uff0b\uff14\uff19 \uff11\uff17\uff10 \uff11\uff12\uff13\uff14\uff15\uff16\uff17' },
  ])('with $name is sent to the number it shows', async ({ number }) => {
    const run = await dryRun({ VLXSMS: number })
    expect(run.stderr).not.toContain('error')
    expect(run.code).toBe(EXIT.ok)
    expect(run.result.request.headers['x-kannel-to']).toBe('+491701234567')
  })

  it('an odd character that is not folded is named in the error', async () => {
    const run = await dryRun({ VLXSMS: '+49 170\u2011123 4567' })
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toContain('error: The phone number "+49 170\u2011123 4567" (it holds U+2011 after "+49 170") does not match regexp.sms')
  })
})

describe('serve and status against hostile callbacks', () => {
  const serves = trackServes()
  afterAll(() => serves.killLeft())

  it('a callback whose seq or msgid holds control characters or is longer than send allows is refused 400 and not stored', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-hostile-')), 'events.db')
    const serve = await serves.start(['--store', store])
    for (const query of ['seq=1%0a200%20new&msgid=m-bad-1', 'seq=1%00&msgid=m-bad-2', `seq=${'7'.repeat(65)}&msgid=m-bad-3`, 'seq=18&msgid=m-bad%1b4']) {
      const answer = await fetch(`${serve.base}/smsKannelfeedback?${query}&dlr=1&time=1795858642`)
      expect(answer.status, query).toBe(400)
    }
    // The longest sequence send allows still goes in.
    expect((await fetch(`${serve.base}/smsKannelfeedback?seq=${'7'.repeat(64)}&msgid=m-good-5&dlr=1&time=1795858642`)).status).toBe(200)
    for (const key of ['m-bad-1', 'm-bad-2', 'm-bad-3', '18']) {
      const shown = await runCli(['status', key, '--store', store])
      expect(shown.code, key).toBe(EXIT.input)
    }
    expect(serve.stderr()).toContain('400 not a delivery report: seq=1?200 new holds control characters')
    expect(serve.stderr()).not.toContain('\u001b')
  })

  it('status shows control characters from a stored callback escaped: no injected lines, no ESC', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-hostile-')), 'events.db')
    const serve = await serves.start(['--store', store])
    const answer = await fetch(`${serve.base}/smsKannelfeedback?seq=1&dlr=1&msgid=m-hostile-1&smsc=%1b%5b31mred%0a200%20new&time=1795858642`)
    expect(answer.status).toBe(200)
    const shown = await runCli(['status', 'm-hostile-1', '--store', store])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).not.toContain('\u001b')
    expect(shown.stdout).toContain('SMSC \\x1b[31mred\\n200 new')
    expect(shown.stdout.trimEnd().split('\n')).toHaveLength(2)
  })

  it('report shows an SMSC name with control characters escaped', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-hostile-')), 'events.db')
    const fed = await runCli(['feedback', '--store', store, 'seq=5&dlr=1&msgid=m-hostile-2&smsc=%1b%5b31mred%0afake&time=1795858642'])
    expect(fed.code, fed.stderr).toBe(0)
    const run = await runCli(['report', '--store', store, '--since', '2026-11-28T00:00:00Z', '--until', '2026-11-29T00:00:00Z'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).not.toContain('\u001b')
    expect(run.stdout).toMatch(/^ {2}\\x1b\[31mred\\nfake +1 +1 +0 /m)
  })

  it('HEAD on the feedback URL stores nothing; /healthz still answers HEAD', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-hostile-')), 'events.db')
    const serve = await serves.start(['--store', store])
    const head = await fetch(`${serve.base}/smsKannelfeedback?seq=9&dlr=1&msgid=head-only-1&time=1795858642`, { method: 'HEAD' })
    expect(head.status).toBe(405)
    expect(head.headers.get('allow')).toBe('GET')
    expect((await fetch(`${serve.base}/healthz`, { method: 'HEAD' })).status).toBe(200)
    const shown = await runCli(['status', 'head-only-1', '--store', store])
    expect(shown.code).toBe(EXIT.input)
    expect(shown.stderr).toContain('knows no send or delivery report for head-only-1')
  })
})
