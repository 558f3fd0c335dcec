import { spawnSync } from 'node:child_process'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callbackToken } from '../src/core/callback-token.js'
import { EXIT, EXIT_CODE_TABLE } from '../src/core/errors.js'
import { BIN, runCli } from './helpers/run-cli.js'

const PASSWORD = 'pw-Secret+&=9'
const PIN = '582916'
const config = {
  SMSKANNEL_GWURL: 'http://127.0.0.1:9',
  SMSKANNEL_USER: 'tester',
  SMSKANNEL_PASSWORD: PASSWORD,
  SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:9/smsKannelfeedback',
}
const visulox = { VLXSMS: '+49 (170) 123-4567', VLXPIN: PIN, VLXPIN_SEQUENCE: '4711', VLXPIN_TEXT: `Your PIN: ${PIN}\nSequence: 4711` }

function expectNoSecrets(text: string): void {
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), PIN]) expect(text).not.toContain(secret)
}

describe('sms-kannel --help', () => {
  it.each([['--help'], ['send', '--help'], ['config', '--help'], ['help']])('%s exits 0 with empty stderr', async (...args) => {
    const run = await runCli(args)
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('Usage: sms-kannel')
  })

  it('documents every exit code', async () => {
    const { stdout } = await runCli(['send', '--help'])
    for (const { code, meaning } of EXIT_CODE_TABLE) expect(stdout).toContain(`${String(code).padStart(2)}  ${meaning}`)
  })

  it('offers no password flag: argv is visible to every user on the machine', async () => {
    const { stdout } = await runCli(['send', '--help'])
    expect(stdout).not.toMatch(/--password\b(?!-file)/)
    expect(stdout).toContain('--password-file')
  })

  it('prints the version', async () => {
    const run = await runCli(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})

describe('usage and configuration errors, without stack traces', () => {
  it.each([
    { name: 'an unknown flag', args: ['--frobnicate'], env: {}, code: EXIT.usage, stderr: /unknown option '--frobnicate'/ },
    { name: 'a bad timeout flag', args: ['--timeout', 'soon'], env: {}, code: EXIT.usage, stderr: /expected a duration/ },
    { name: 'a bad method', args: ['--method', 'put'], env: {}, code: EXIT.usage, stderr: /Allowed choices are post, get/ },
    { name: 'feedback --poll with --rejects', args: ['feedback', '--poll', '--rejects', 'r.txt'], env: {}, code: EXIT.usage, stderr: /--poll takes no QUERY, --replay, --forward, --rejects or --accept-unsigned/ },
    { name: 'feedback --poll with --accept-unsigned', args: ['feedback', '--poll', '--accept-unsigned'], env: {}, code: EXIT.usage, stderr: /--poll takes no/ },
    { name: 'feedback --poll with Kannel and nothing else configured', args: ['feedback', '--poll'], env: {}, code: EXIT.config, stderr: /^error: feedback --poll asks a provider about its messages; Kannel reports by callback instead\.$/m },
    { name: 'no configuration at all', args: [], env: {}, code: EXIT.config, stderr: /error: smskannel\.gwurl is not set\.\nhint: Set smskannel\.gwurl in the config file, SMSKANNEL_GWURL/ },
    { name: 'a missing config file', args: ['--config', '/nonexistent/sms.conf'], env: {}, code: EXIT.config, stderr: /Cannot read the config file \/nonexistent\/sms\.conf: no such file/ },
    { name: 'an invalid number', args: [], env: { ...config, ...visulox, VLXSMS: 'call me' }, code: EXIT.input, stderr: /does not match regexp\.sms/ },
    { name: 'an over-long text', args: ['--text', 'x'.repeat(161)], env: { ...config, ...visulox }, code: EXIT.input, stderr: /161 GSM characters, 2 SMS parts/ },
    { name: 'a bad template placeholder', args: [], env: { ...config, VLXSMS: '+491701234567', SMSKANNEL_TEMPLATE: 'PIN ${HOME}' }, code: EXIT.config, stderr: /\$\{HOME\}/ },
    { name: 'a mistyped command', args: ['stauts', '17'], env: {}, code: EXIT.usage, stderr: /^error: unknown command "stauts" \(commands: send, config, feedback, status, serve, report, check, store\)\n$/ },
    { name: 'options before the command', args: ['-c', 'k.conf', 'status', '17'], env: {}, code: EXIT.usage, stderr: /^error: options go after the command: sms-kannel status \[options\] …, not sms-kannel \[options\] status …\n$/ },
    { name: '--json before the command', args: ['--json', 'feedback', 'seq=1&msgid=m1'], env: {}, code: EXIT.usage, stderr: /^error: options go after the command: sms-kannel feedback \[options\] …, not sms-kannel \[options\] feedback …\n$/ },
    { name: 'an argument to send', args: ['send', '+491701234567'], env: {}, code: EXIT.usage, stderr: /^error: send takes no arguments \(1 given; the number and text are --to and --text\), and no command is named so\n$/ },
  ])('$name exits $code', async ({ args, env, code, stderr }) => {
    const run = await runCli(args, env)
    expect(run.code).toBe(code)
    expect(run.stderr).toMatch(stderr)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stdout).toBe('')
    expectNoSecrets(run.stderr)
  })

  it.each([
    { name: 'VLXPIN_EXPIRATIONTIME', env: { VLXPIN_EXPIRATIONTIME: 'x'.repeat(700) }, reason: /allowed\. VLXPIN_EXPIRATIONTIME makes it so long: it holds 700 characters\.$/, hint: /^hint: Check what VISULOX sets in VLXPIN_EXPIRATIONTIME, or take \$\{VLXPIN_EXPIRATIONTIME\} out of smskannel\.template\.$/m },
    { name: 'VLXLOGINUSER, which makes it UCS-2', env: { SMSKANNEL_TEMPLATE: 'PIN ${VLXPIN} for ${VLXLOGINUSER}, seq ${VLXPIN_SEQUENCE}', VLXLOGINUSER: `${'u'.repeat(60)}\u4e2d` }, reason: /UCS-2 because of .*\. VLXLOGINUSER makes it so long: it holds 61 characters\.$/, hint: /^hint: .*VLXLOGINUSER/m },
    { name: 'two values together', env: { SMSKANNEL_TEMPLATE: 'PIN ${VLXPIN} for ${VLXLOGINUSER} until ${VLXPIN_EXPIRATIONTIME}', VLXLOGINUSER: 'u'.repeat(140), VLXPIN_EXPIRATIONTIME: 'x'.repeat(150) }, reason: /allowed\. It is smskannel\.template filled in with VLXPIN_EXPIRATIONTIME \(150 characters\), VLXLOGINUSER \(140 characters\)\.$/, hint: /^hint: Shorten the text, or raise smskannel\.maxparts/m },
    { name: 'VLXPIN_TEXT', env: { VLXPIN_TEXT: `PIN ${PIN} ${'y'.repeat(200)}` }, reason: /allowed\. It is VLXPIN_TEXT, as VISULOX set it\.$/, hint: /^hint: Shorten the text/m },
  ])('a text too long because of $name names that variable, never the PIN (exit 65, --json error InputError)', async ({ env, reason, hint }) => {
    const { VLXPIN_TEXT: _, ...fromTemplate } = visulox
    const run = await runCli(['--dry-run'], { ...config, ...fromTemplate, ...env })
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).toMatch(/^error: The text is \d+ (GSM|UCS-2) characters, \d+ SMS parts; at most 1 part/)
    expect(run.stderr.split('\n')[0]).toMatch(reason)
    expect(run.stderr).toMatch(hint)
    expect(run.stdout).toBe('')
    expectNoSecrets(run.stderr)
    const json = await runCli(['--dry-run', '--json'], { ...config, ...fromTemplate, ...env })
    const document = JSON.parse(json.stdout)
    expect(document).toMatchObject({ outcome: 'error', error: 'InputError', exitCode: EXIT.input })
    expect(document.message).toMatch(reason)
    expectNoSecrets(json.stdout + json.stderr)
  })

  it('a NUL in smskannel.postquery in the config file is called a control character (exit 78)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-nul-')), 'sms-kannel.conf')
    writeFileSync(file, 'smskannel.gwurl = http://127.0.0.1:9\nsmskannel.user = tester\nsmskannel.postquery = /cgi-bin/send\0sms\n', { mode: 0o600 })
    const run = await runCli(['--dry-run', '-c', file], { ...visulox, SMSKANNEL_PASSWORD: PASSWORD })
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr).toMatch(new RegExp(`^error: smskannel\\.postquery "/cgi-bin/send\\?sms" \\(from ${file.replaceAll('.', '\\.')}:3\\) contains control characters\\.$`, 'm'))
    expect(run.stderr).not.toMatch(/starting with|\n\s+at /)
    expect(run.stdout).toBe('')
  })

  it.each([['a missing file', 'missing.env'], ['a directory', '.']])('--env-file naming %s is sms-kannel\'s exit 78, not node\'s 9, run as npm links the bin', (_name, file) => {
    // Through the shebang: Node 20 would otherwise take --env-file for itself.
    const cwd = mkdtempSync(join(tmpdir(), 'sms-kannel-env-file-'))
    const run = spawnSync(BIN, ['config', '--env-file', file], { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, encoding: 'utf8' })
    expect(run.stderr).toMatch(/^error: (Cannot read the \.env file|The \.env file .* is not a file)/m)
    expect(run.status).toBe(EXIT.config)
  })

  it.each([['feedback', 'dlr=1&msgid=abc'], ['serve']])('%s refuses a --forward URL with a password (ps shows argv) without printing it', async (command, ...rest) => {
    const run = await runCli([command!, '--forward', 'http://fw:Fwd-Secret-9@127.0.0.1:9/smsKannelfeedback', ...rest], { SMSKANNEL_STORE: join(mkdtempSync(join(tmpdir(), 'sms-kannel-fwd-')), 'events.db') })
    expect(run.code).toBe(EXIT.usage)
    expect(run.stderr).toMatch(/^error: The --forward URL must not carry a password on the command line/m)
    expect(`${run.stdout}${run.stderr}`).not.toContain('Fwd-Secret-9')
  })

  it.each([
    { name: 'a gateway URL with user:password@', args: ['config', '--check'], env: { ...config, SMSKANNEL_GWURL: 'http://vlx:Url-Secret-77@kannel:13013' } },
    { name: 'a pasted sendsms URL without its scheme', args: ['config', '--check'], env: { ...config, SMSKANNEL_GWURL: 'kannel:13x/cgi-bin/sendsms?username=vlx&password=Url-Secret-77' } },
    { name: 'user:password@ without a scheme', args: ['config', '--check'], env: { ...config, SMSKANNEL_GWURL: 'vlx:Url-Secret-77@kannel:13013' } },
    { name: 'a feedback URL with user:password@', args: ['--dry-run'], env: { ...config, ...visulox, SMSKANNEL_FEEDBACKURL: 'http://fb:Url-Secret-77@vlx:8080/smsKannelfeedback#x' } },
    { name: 'a proxy URL that does not parse', args: ['config', '--check'], env: { ...config, SMSKANNEL_PROXY: 'http://px:Url-Secret-77@[bad' } },
    { name: 'another database\'s URL as the store', args: ['status', '4711'], env: { SMSKANNEL_STORE: 'mysql://db:Url-Secret-77@db.example/pins' } },
    { name: 'an HTTP gateway URL with a key parameter', args: ['config', '--check', '--provider', 'http'], env: { SMSHTTP_URL: 'htp://gw.example/send?apikey=Url-Secret-77', SMSHTTP_PARAMS: 'to={to}&text={text}' } },
  ])('a setting refused for $name does not print its credentials, in text or --json', async ({ args, env }) => {
    for (const json of [[], ['--json']]) {
      const run = await runCli([...args, ...json], env)
      expect(run.code).not.toBe(0)
      expect(run.stderr + run.stdout).toMatch(/error/)
      expect(run.stderr + run.stdout).not.toContain('Url-Secret-77')
    }
  })

  it.each([
    ['a store URL with its password, before the command', ['--store', 'postgres://u:Misplaced-Secret-7@db/pins', 'report', '17']],
    ['a PIN text without --text', ['Your PIN Misplaced-Secret-7']],
    ['a PIN text after send', ['send', 'Misplaced-Secret-7']],
  ])('words left over for send are not echoed: %s', async (_name, args) => {
    const run = await runCli(args as string[])
    expect(run.code).toBe(EXIT.usage)
    expect(run.stderr).toMatch(/^error: /)
    expect(run.stderr).not.toContain('Misplaced-Secret-7')
  })

  it('--json also reports a failure as one object on stdout', async () => {
    const run = await runCli(['--json'], { ...config, ...visulox, VLXSMS: 'x' })
    expect(run.code).toBe(EXIT.input)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'error', error: 'InputError', exitCode: 65 })
  })
})

describe('each command checks the settings it reads, each key the same way', () => {
  it('status does not fail on keys it does not read (no gateway, a bad timeout, a bad durability)', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-lazy-')), 'events.db')
    expect((await runCli(['feedback', '--store', store, 'seq=4711&msgid=m1&dlr=1&reply=&smscmsgid=s1'])).code).toBe(EXIT.ok)
    const run = await runCli(['status', '4711', '--store', store], { SMSKANNEL_TIMEOUT: 'soon', SMSKANNEL_DURABILITY: 'sometimes' })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(EXIT.ok)
    expect(run.stdout).toContain('sequence 4711')
  })

  it('serve refuses a feedback URL with a #fragment, as send does, before it opens anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-fragment-'))
    for (const args of [['serve', '--store', join(dir, 'events.db')], ['--dry-run']]) {
      const run = await runCli(args, { ...config, ...visulox, SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:9/smsKannelfeedback#x' })
      expect(run.code).toBe(EXIT.config)
      expect(run.stderr).toMatch(/smskannel\.feedbackurl "http:\/\/127\.0\.0\.1:9\/smsKannelfeedback#x" \(from environment SMSKANNEL_FEEDBACKURL\) must not have a #fragment/)
    }
    expect(existsSync(join(dir, 'events.db'))).toBe(false)
  })

  it('--param is smskannel.dlrparams: parsed once, a bad one named with its flag', async () => {
    const good = await runCli(['feedback', '--param', 'dlr=d', '--param', 'reply=A', 'seq=1&msgid=m1&d=1&A=ACK%2F'])
    expect(good.code).toBe(EXIT.ok)
    expect(JSON.parse(good.stdout)).toMatchObject({ dlr: 1 })
    const bad = await runCli(['feedback', '--param', 'nonsense', 'seq=1&msgid=m1&dlr=1'])
    expect(bad.code).toBe(EXIT.config)
    expect(bad.stderr).toMatch(/smskannel\.dlrparams "nonsense" \(from flag --param\) is not usable/)
  })

  it('refuses a proxy password on the command line (ps shows it), without printing it; from the environment it is taken', async () => {
    const env = { SMSKANNEL_GWURL: 'http://127.0.0.1:9', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: 'kannel-pw' }
    const args = ['send', '--dry-run', '--to', '+491701234567', '--text', 'x']
    const flag = await runCli([...args, '--proxy', 'http://alice:pr0xy-s3cret@127.0.0.1:3128'], env)
    expect(flag.code).toBe(EXIT.config)
    expect(flag.stderr).toMatch(/smskannel\.proxy .*must not carry a password on the command line/)
    expect(flag.stdout + flag.stderr).not.toContain('pr0xy-s3cret')
    const fromEnv = await runCli(args, { ...env, SMSKANNEL_PROXY: 'http://alice:pr0xy-s3cret@127.0.0.1:3128' })
    expect(fromEnv.code, fromEnv.stderr).toBe(EXIT.ok)
    expect(fromEnv.stdout + fromEnv.stderr).not.toContain('pr0xy-s3cret')
  })

  it('reads smskannel.passwordfile only where a password is used: a 0600 file of another user does not stop feedback or check', async () => {
    const env = { SMSKANNEL_PASSWORDFILE: '/nonexistent/kannel.pw', SMSKANNEL_GWURL: 'http://127.0.0.1:9', SMSKANNEL_USER: 'u' }
    const feedback = await runCli(['feedback', 'seq=1&msgid=m1&dlr=1'], env)
    expect(feedback.code, feedback.stderr).toBe(EXIT.ok)
    const send = await runCli(['send', '--dry-run', '--to', '+491701234567', '--text', 'x'], env)
    expect(send.code).toBe(EXIT.config)
    expect(send.stderr).toMatch(/password file \/nonexistent\/kannel\.pw/)
  })

  it('--param adds to smskannel.dlrparams from the config, a flag winning for the same name', async () => {
    const env = { SMSKANNEL_DLRPARAMS: 'dlr=d' }
    const both = await runCli(['feedback', '--param', 'reply=A', 'seq=1&msgid=m1&d=1&A=ACK%2F'], env)
    expect(both.code, both.stderr).toBe(EXIT.ok)
    expect(JSON.parse(both.stdout)).toMatchObject({ dlr: 1, smscReply: { raw: 'ACK/' } })
    const overridden = await runCli(['feedback', '--param', 'dlr=t', 'seq=1&msgid=m1&t=2&d=1'], env)
    expect(overridden.code, overridden.stderr).toBe(EXIT.ok)
    expect(JSON.parse(overridden.stdout)).toMatchObject({ dlr: 2 })
  })
})

describe('the wall clock', () => {
  const query = 'seq=1&msgid=m1&dlr=1&reply=&smscmsgid=s1'

  it('is fixed only by a test preloading test/helpers/fixed-clock.mjs, never by an environment variable', async () => {
    const fixed = await runCli(['feedback', query], {}, { now: '2026-11-28T12:00:00Z' })
    expect(JSON.parse(fixed.stdout).receivedAt).toBe('2026-11-28T12:00:00.000Z')
    const before = Date.now()
    const real = await runCli(['feedback', query], { SMS_KANNEL_TEST_NOW: '2001-01-01T00:00:00Z' })
    expect(Date.parse(JSON.parse(real.stdout).receivedAt)).toBeGreaterThanOrEqual(before)
  })
})

describe('--dry-run shows the request and keeps secrets out', () => {
  it.each(['post', 'get'])('with %s, --verbose, and the PIN in the text', async (method) => {
    const run = await runCli(['--dry-run', '--verbose', '--method', method], { ...config, ...visulox })
    expect(run.code).toBe(0)
    const request = JSON.parse(run.stdout)
    expect(request.method).toBe(method.toUpperCase())
    if (method === 'post') {
      expect(request.headers['x-kannel-password']).toBe('********')
      expect(request.body).toBe('Your PIN: ********\nSequence: 4711')
    } else {
      expect(new URL(request.url).searchParams.get('password')).toBe('********')
      expect(new URL(request.url).searchParams.get('text')).toBe('Your PIN: ********\nSequence: 4711')
    }
    expect(run.stderr).toMatch(/dry run: would send SMS to \+4917\*{5}567 \(1 part, GSM 7-bit\)/)
    expectNoSecrets(run.stdout + run.stderr)
  })

  it('hides the dlr-url\'s callback token (it would let a reader forge this message\'s reports), and feedback hides it in raw', async () => {
    const secret = 'callback-secret-0123456789'
    const run = await runCli(['--dry-run', '--verbose'], { ...config, ...visulox, SMSKANNEL_SECRET: secret })
    expect(run.code, run.stderr).toBe(0)
    const dlrUrl = new URL(JSON.parse(run.stdout).headers['x-kannel-dlr-url'])
    expect(dlrUrl.searchParams.get('token')).toBe('********')
    const token = callbackToken(secret, dlrUrl.searchParams.get('msgid')!, '4711')
    expect(run.stdout + run.stderr).not.toContain(token)
    const stored = await runCli(['feedback', `seq=4711&msgid=${dlrUrl.searchParams.get('msgid')}&token=${token}&dlr=1`], { SMSKANNEL_SECRET: secret })
    expect(stored.code, stored.stderr).toBe(0)
    expect(JSON.parse(stored.stdout).raw).toContain('token=********&dlr=1')
    expect(stored.stdout + stored.stderr).not.toContain(token)
  })

  it('warns when the PIN or the sequence is missing from the text', async () => {
    const run = await runCli(['--dry-run'], { ...config, ...visulox, VLXPIN_TEXT: 'Hello' })
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('warning: The text does not contain the PIN (VLXPIN or VLXPIN_FMT).')
    expect(run.stderr).toContain('warning: The text does not contain the sequence number 4711 (VLXPIN_SEQUENCE).')
  })

  it('builds the text from the template when VLXPIN_TEXT is empty', async () => {
    const run = await runCli(['--dry-run', '--json'], { ...config, ...visulox, VLXPIN_TEXT: '', VLXPIN_EXPIRATIONTIME: '1795860804' })
    expect(JSON.parse(run.stdout).request.body).toBe('PIN: ********\nValid until: 2026-11-28 10:13\nSeq: 4711')
  })
})

describe('config', () => {
  it('shows each value with its origin and hides the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-cfg-'))
    writeFileSync(join(dir, 'sms.conf'), 'smskannel.gwurl   http://kannel:13013\nsmskannel.sender  VISULOX\n')
    const run = await runCli(['config', '--config', join(dir, 'sms.conf'), '--timeout', '5s'], { SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: PASSWORD })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^smskannel\.gwurl\s+http:\/\/kannel:13013\s+.*sms\.conf:1$/m)
    expect(run.stdout).toMatch(/^smskannel\.password\s+\*{8}\s+environment SMSKANNEL_PASSWORD$/m)
    expect(run.stdout).toMatch(/^smskannel\.timeout\s+5s\s+flag --timeout$/m)
    expect(run.stdout).toMatch(/^regexp\.sms\s+\^\[0-9 \+\.\\\(\\\)-\]\{6,\}\$\s+default$/m)
    expectNoSecrets(run.stdout + run.stderr)
  })
})

describe('config with a setting missing or invalid: the table, every problem marked, then exit 78', () => {
  it('marks a missing password, in the table and in --json, and names it as the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-cfg-nopw-'))
    writeFileSync(join(dir, 'nopw.conf'), 'smskannel.gwurl = http://k:13013\nsmskannel.user = u\n')
    const run = await runCli(['config', '-c', join(dir, 'nopw.conf')])
    expect(run.code).toBe(EXIT.config)
    expect(run.stdout).toMatch(/^smskannel\.gwurl\s+http:\/\/k:13013\s+.*nopw\.conf:1$/m)
    expect(run.stdout).toMatch(/^smskannel\.password\s+-\s+not set\s+✗ is not set\.$/m)
    expect(run.stdout).toMatch(/^smskannel\.dlrmask\s+31\s+default$/m)
    expect(run.stderr).toMatch(/^error: smskannel\.password is not set\.\nhint: Set smskannel\.password/m)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    const json = await runCli(['config', '-c', join(dir, 'nopw.conf'), '--json'])
    expect(json.code).toBe(EXIT.config)
    const document = JSON.parse(json.stdout)
    expect(document.effective).toContainEqual({ key: 'smskannel.password', where: 'not set', problem: 'is not set.' })
    expect(document.effective).toContainEqual({ key: 'smskannel.user', value: 'u', where: `${join(dir, 'nopw.conf')}:2` })
    expect(document.problems).toEqual([{ key: 'smskannel.password', exitCode: EXIT.config, error: 'smskannel.password is not set.' }])
  })

  it('an invalid short secret does not mangle the output: key names and --json fields stay as they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-cfg-shortsecret-'))
    const file = join(dir, 'short.conf')
    writeFileSync(file, 'smskannel.gwurl = http://k:13013\nsmskannel.user = u\nsmskannel.password = a-long-enough-password\nsmskannel.secret = secret\n')
    const run = await runCli(['config', '-c', file])
    expect(run.code).toBe(EXIT.config)
    expect(run.stdout).toMatch(/^smskannel\.secret\s+\*{8}\s+.*short\.conf:4\s+✗ /m)
    expect(run.stderr).toMatch(/^error: smskannel\.secret \(from .*short\.conf:4\) must be/m)
    const json = await runCli(['config', '-c', file, '--json'])
    writeFileSync(file, 'smskannel.gwurl = http://k:13013\nsmskannel.user = u\nsmskannel.password = a-long-enough-password\nsmskannel.secret = value\n')
    const valueJson = await runCli(['config', '-c', file, '--json'])
    for (const output of [json, valueJson]) {
      expect(output.code).toBe(EXIT.config)
      expect(JSON.parse(output.stdout).effective).toContainEqual({ key: 'smskannel.user', value: 'u', where: `${file}:2` })
    }
  })

  it('with nothing configured, names every key send needs', async () => {
    const run = await runCli(['config'])
    expect(run.code).toBe(EXIT.config)
    for (const key of ['smskannel.gwurl', 'smskannel.user', 'smskannel.password']) {
      expect(run.stdout).toMatch(new RegExp(`^${key.replace('.', '\\.')}\\s+-\\s+not set\\s+✗ is not set\\.$`, 'm'))
      expect(run.stderr).toContain(`error: ${key} is not set.`)
    }
  })

  it('marks every invalid value, keeps an invalid secret hidden, and with --check probes nothing', async () => {
    let connections = 0
    const server = createServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-cfg-invalid-'))
    const file = join(dir, 'inv.conf')
    writeFileSync(file, `smskannel.gwurl = http://127.0.0.1:${(server.address() as AddressInfo).port}\nsmskannel.user = u\nsmskannel.dlrmask = abc\nsmskannel.timeout = soon\nsmskannel.secret = Short-Secret-7\n`, { mode: 0o600 })
    const env = { SMSKANNEL_PASSWORD: `${PASSWORD}\u0007` }
    for (const check of [[], ['--check']]) {
      const run = await runCli(['config', '-c', file, ...check], env)
      expect(run.code).toBe(EXIT.config)
      expect(run.stdout).toMatch(/^smskannel\.dlrmask\s+abc\s+.*inv\.conf:3\s+✗ must be a whole number from 0 to 31\.$/m)
      expect(run.stdout).toMatch(/^smskannel\.timeout\s+soon\s+.*inv\.conf:4\s+✗ must be a duration/m)
      expect(run.stdout).toMatch(/^smskannel\.password\s+\*{8}\s+environment SMSKANNEL_PASSWORD\s+✗ contains control characters/m)
      expect(run.stdout).toMatch(/^smskannel\.secret\s+\*{8}\s+.*inv\.conf:5\s+✗ must be at least 16 printable characters/m)
      expect(run.stdout).toMatch(/^smskannel\.user\s+u\s+.*inv\.conf:2$/m)
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: ')).map((line) => line.split(' ')[1])
      expect(errors).toEqual(['smskannel.password', 'smskannel.timeout', 'smskannel.dlrmask', 'smskannel.secret'])
      expect(run.stdout + run.stderr).not.toContain('Short-Secret-7')
      expectNoSecrets(run.stdout + run.stderr)
    }
    server.close()
    expect(connections).toBe(0)
  })

  it('marks the keys serve and feedback read too, though send does not', async () => {
    const run = await runCli(['config'], { ...config, SMSKANNEL_DURABILITY: 'sometimes', SMSKANNEL_LISTEN: 'nowhere' })
    expect(run.code).toBe(EXIT.config)
    expect(run.stdout).toMatch(/^smskannel\.listen\s+nowhere\s+environment SMSKANNEL_LISTEN\s+✗ must be HOST:PORT/m)
    expect(run.stdout).toMatch(/^smskannel\.durability\s+sometimes\s+environment SMSKANNEL_DURABILITY\s+✗ must be full or normal\.$/m)
    expect(run.stderr.split('\n').filter((line) => line.startsWith('error: ')).map((line) => line.split(' ')[1])).toEqual(['smskannel.listen', 'smskannel.durability'])
  })

  it.each([
    ['sms4de', { SMS4DE_KDNR: 'a b', SMS4DE_TARIF: '3' }, ['sms4de.user', 'sms4de.password', 'sms4de.kdnr', 'sms4de.tarif']],
    ['http', { SMSHTTP_METHOD: 'put', SMSHTTP_CHARSET: 'ebcdic', SMSHTTP_RETRY_STATUS: 'soon' }, ['http.url', 'http.method', 'http.charset', 'http.retry-status']],
  ])('names every bad %s key at once, each row marked', async (provider, env, keys) => {
    const run = await runCli(['config', '--provider', provider], env)
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr.split('\n').filter((line) => line.startsWith('error: ')).map((line) => line.split(' ')[1])).toEqual(keys)
    for (const key of keys) expect(run.stdout).toMatch(new RegExp(`^${key.replace('.', '\\.')}\\s.*✗ `, 'm'))
  })

  it('shows an invalid HTTP gateway\'s params by their names: its literal API key is not yet known as a secret', async () => {
    const env = { SMSHTTP_URL: 'https://gw.example/send', SMSHTTP_PARAMS: 'apikey=Literal-Key-55&to={to}', SMSHTTP_HEADERS: 'X-Api-Key: Header-Key-66', SMSHTTP_METHOD: 'post-form' }
    for (const json of [[], ['--json']]) {
      const run = await runCli(['config', '--provider', 'http', ...json], env)
      expect(run.code).toBe(EXIT.config)
      expect(run.stdout).toMatch(/http\.params.*apikey=…&to=…/)
      expect(run.stdout + run.stderr).toMatch(/never uses \{text\}/)
      expect(run.stdout + run.stderr).not.toContain('Literal-Key-55')
      expect(run.stdout + run.stderr).not.toContain('Header-Key-66')
    }
  })
})

describe('config --check against a gateway that closes the connection or never answers', () => {
  const closes = (socket: Socket) => socket.once('data', () => socket.destroy())
  const neverAnswers = (_socket: Socket) => undefined
  it.each([
    { name: 'a Kannel that closes the connection', answer: closes, error: /error: http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/sendsms: The connection to 127\.0\.0\.1:\d+ was closed before a complete reply\./ },
    { name: 'a Kannel that never answers', answer: neverAnswers, error: /error: http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/sendsms: Timed out after 1s: no complete reply from 127\.0\.0\.1:\d+\./ },
    { name: 'an HTTP gateway\'s check-url that closes the connection', answer: closes, error: /error: http:\/\/127\.0\.0\.1:\d+\/balance: The connection to 127\.0\.0\.1:\d+ was closed before a complete reply\./, http: true },
  ])('$name: exit 75 with a probe\'s hint, no word of an SMS sent', async ({ answer, error, http }) => {
    const sockets: Socket[] = []
    const server = createServer((socket) => {
      sockets.push(socket)
      answer(socket)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const run = http
      ? await runCli(['config', '--check', '--timeout', '1s', '--provider', 'http'], { SMSHTTP_URL: `${base}/send`, SMSHTTP_PARAMS: 'to={to}&text={text}', SMSHTTP_CHECK_URL: `${base}/balance` })
      : await runCli(['config', '--check', '--timeout', '1s'], { ...config, SMSKANNEL_GWURL: base })
    for (const socket of sockets) socket.destroy()
    server.close()
    expect(run.code).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(error)
    expect(run.stderr).toMatch(/^hint: The check sends no SMS, so none went out\. No complete reply came back/m)
    expect(run.stderr).not.toMatch(/may have been sent|second PIN|resent/i)
    expectNoSecrets(run.stderr)
  })
})

describe('a gateway that accepts the connection and never answers', () => {
  it('exits 75 within the timeout, saying the SMS may have been sent', async () => {
    const sockets: Socket[] = []
    const server = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const run = await runCli(['--timeout', '1s'], { ...config, ...visulox, SMSKANNEL_GWURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    for (const socket of sockets) socket.destroy()
    server.close()
    expect(run.code).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(/error: Timed out after 1s: no complete reply from 127\.0\.0\.1:\d+\.\nhint: The request reached the gateway, so the SMS may have been sent: not resent automatically/)
    // Process start included; the deadline itself is asserted in test/shell/http.test.ts.
    expect(run.elapsedMs).toBeLessThan(1000 + 2000)
    expectNoSecrets(run.stderr)
  })
})

describe('feedback over hostile lines', () => {
  it('reads the corpus of nasty lines without a crash: exit 65, a reason for each bad line', async () => {
    const { readFileSync } = await import('node:fs')
    const corpus = readFileSync(new URL('./fixtures/hostile-lines.txt', import.meta.url), 'utf8')
    const run = await runCli(['feedback'], {}, { stdin: `${corpus}${'dlr=1&x='.padEnd(70_000, 'y')}\n` })
    expect(run.code).toBe(EXIT.input)
    expect(run.stderr).not.toMatch(/\n\s+at |unexpected failure/)
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line))
    const badLines = run.stderr.match(/^error: stdin:\d+: not a delivery report: /gm) ?? []
    expect(events.length + badLines.length).toBeGreaterThan(20)
    expect(run.stderr).toMatch(/stdin:\d+: not a delivery report: longer than 64 KiB/)
  })
})
