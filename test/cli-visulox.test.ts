import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { wikiTable } from './helpers/visulox-table.js'
import { runCli } from './helpers/run-cli.js'

const PASSWORD = 'pw-Secret+&=9'
const PIN = '582916'
const visulox = { VLXSMS: '+49 (0) 170 1234567', VLXPIN: PIN, VLXPIN_SEQUENCE: '4711', VLXPIN_TEXT: `Your PIN: ${PIN}\nSequence: 4711` }

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-visulox-'))
  writeFileSync(join(dir, 'sms.conf'), content, { mode: 0o600 })
  return join(dir, 'sms.conf')
}

describe('the setup as VISULOX shows it, pasted into the config file', () => {
  it('reads the wiki box, sends with the long sender and warns what phones may show', async () => {
    const path = configFile(wikiTable('http://127.0.0.1:9').replaceAll('\n', '\r\n'))
    const run = await runCli(['--dry-run', '--json'], { SMSKANNEL_CONFIG: path, SMSKANNEL_PASSWORD: PASSWORD, ...visulox, VLXSMS: '+49 170 1234567' })
    expect(run.code).toBe(EXIT.ok)
    const result = JSON.parse(run.stdout)
    expect(result.request.url).toBe('http://127.0.0.1:9/cgi-bin/sendsms')
    expect(result.request.headers['x-kannel-from']).toBe('VISULOX RA 2FA PIN')
    expect(run.stderr).toContain('warning: smskannel.sender "VISULOX RA 2FA PIN" is 18 characters; SMSCs commonly keep 11 of a sender with letters, so phones may show "VISULOX RA ".')
  })

  it('config warns about the sender too', async () => {
    const path = configFile(wikiTable('http://127.0.0.1:9'))
    const run = await runCli(['config', '--config', path], { SMSKANNEL_PASSWORD: PASSWORD })
    expect(run.code).toBe(EXIT.ok)
    expect(run.stdout).toMatch(/^smskannel\.sender\s+VISULOX RA 2FA PIN\s+.*sms\.conf:9$/m)
    expect(run.stderr).toMatch(/warning: smskannel\.sender "VISULOX RA 2FA PIN" is 18 characters/)
  })

  it('a row it cannot read is a warning with file and line, and the rest still works', async () => {
    const path = configFile(wikiTable('http://127.0.0.1:9').replace('| *       | smskannel.user', '| *       | smskannel user'))
    const run = await runCli(['--dry-run'], { SMSKANNEL_CONFIG: path, SMSKANNEL_PASSWORD: PASSWORD, SMSKANNEL_USER: 'visulox', ...visulox, VLXSMS: '491701234567' })
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr).toContain(`warning: ${path}:8: a table row without a key where | changed | key | value | has it; line ignored`)
  })

  it('a file with no key at all is exit 78, naming the shapes understood', async () => {
    const path = configFile('<html><body>VISULOX</body></html>\n')
    const run = await runCli(['--dry-run'], { SMSKANNEL_CONFIG: path, ...visulox })
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr).toContain(`error: The config file ${path} holds no setting sms-kannel can read.`)
    expect(run.stderr).toMatch(/hint: Understood: key = value lines.*\| changed \| key \| value \|/)
  })

  it.each([
    { name: '+49 (0) 170 1234567', env: {}, to: '+491701234567' },
    { name: 'a tab and CRLF in VLXPIN_TEXT', env: { VLXPIN_TEXT: `Your PIN:\t${PIN}\r\nSequence: 4711\r\n` }, to: '+491701234567' },
  ])('sends $name, with warnings where something was changed', async ({ env, to }) => {
    const run = await runCli(['--dry-run', '--json'], { SMSKANNEL_GWURL: 'http://127.0.0.1:9/cgi-bin/sendsms?', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: PASSWORD, ...visulox, ...env })
    expect(run.code).toBe(EXIT.ok)
    const result = JSON.parse(run.stdout)
    expect(result.request.headers['x-kannel-to']).toBe(to)
    expect(result.request.url).toBe('http://127.0.0.1:9/cgi-bin/sendsms')
    expect(result.request.body).toBe('Your PIN: ********\nSequence: 4711')
  })

  it('warns once per kind of control character', async () => {
    const run = await runCli(['--dry-run'], { SMSKANNEL_GWURL: 'http://127.0.0.1:9', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: PASSWORD, ...visulox, VLXPIN_TEXT: `PIN:\t${PIN}\t\u0007\r\nSeq 4711` })
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr.match(/^warning: .*$/gm)).toEqual([
      'warning: The text had 2 tabs; each is sent as a space.',
      'warning: The text had 1 carriage return (CRLF or CR line ends); sent as LF newlines.',
      'warning: The text had 1 control character a phone cannot show (U+0007); removed.',
    ])
  })

  it.each([
    { name: 'an ambiguous (0)', env: { VLXSMS: '+39 (0)6 1234 5678' }, code: EXIT.input, message: /is ambiguous: numbers of country code \+39 may start with 0/ },
    { name: 'a gateway URL with a query', env: { SMSKANNEL_GWURL: `http://127.0.0.1:9/cgi-bin/sendsms?password=${PASSWORD}` }, code: EXIT.config, message: /hint: Write http:\/\/127\.0\.0\.1:9\/cgi-bin\/sendsms instead/ },
  ])('refuses $name', async ({ env, code, message }) => {
    const run = await runCli(['--dry-run'], { SMSKANNEL_GWURL: 'http://127.0.0.1:9', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: PASSWORD, ...visulox, ...env })
    expect(run.code).toBe(code)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toContain(PASSWORD)
  })
})

describe('one JSON document per --json run', () => {
  it('feedback --replay with bad lines prints one summary carrying the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-replay-'))
    writeFileSync(join(dir, 'dlrs.txt'), 'seq=1&msgid=m1&dlr=8&reply=ACK%2F&time=1795858642\nnot a report\nseq=1&msgid=m1&dlr=1&time=1795858643\n')
    const run = await runCli(['feedback', '--replay', join(dir, 'dlrs.txt'), '--store', join(dir, 'events.db'), '--json'])
    expect(run.code).toBe(EXIT.input)
    const documents = run.stdout.trim().split('\n')
    expect(documents).toHaveLength(1)
    expect(JSON.parse(documents[0]!)).toMatchObject({ lines: 3, new: 2, bad: 1, error: 'InputError', exitCode: EXIT.input, message: '1 line was not a delivery report; the others were processed.' })
  })

  it('a clean replay keeps its summary as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-replay-'))
    writeFileSync(join(dir, 'dlrs.txt'), 'seq=1&msgid=m1&dlr=8&reply=ACK%2F&time=1795858642\n')
    const run = await runCli(['feedback', '--replay', join(dir, 'dlrs.txt'), '--store', join(dir, 'events.db'), '--json'])
    expect(run.code).toBe(EXIT.ok)
    const summary = JSON.parse(run.stdout)
    expect(summary).toMatchObject({ lines: 1, new: 1, bad: 0 })
    expect(summary).not.toHaveProperty('exitCode')
  })
})
