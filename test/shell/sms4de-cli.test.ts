import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { openStore } from '../../src/shell/store.js'
import { BIN, runCli } from '../helpers/run-cli.js'
import { startSms4deStandIn, type Sms4deStandIn } from '../helpers/sms4de-stand-in.js'

const PASSWORD = 'Pä$s w+rd&=%1'
const PIN = '582916'
const account = { user: 'vlxsms', password: PASSWORD, kdnr: '12345', balance: '34.56' }

let standIn: Sms4deStandIn
beforeAll(async () => {
  standIn = await startSms4deStandIn(account)
})
afterAll(async () => {
  await standIn.close()
})

function sms4deEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMS_PROVIDER: 'sms4de',
    SMS4DE_USER: account.user,
    SMS4DE_PASSWORD: PASSWORD,
    SMS4DE_KDNR: account.kdnr,
    SMS4DE_URL: standIn.sendUrl,
    SMS4DE_CHECKURL: standIn.checkUrl,
    SMS4DE_DLRURL: standIn.dlrUrl,
    ...extra,
  }
}

/** The password and the PIN in every form they could take on the way out. */
function expectNoSecrets(text: string): void {
  const hex = (value: string) => [...value].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('')
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'P%E4%24s', PIN, hex(PIN), hex(PIN).toUpperCase()]) expect(text).not.toContain(secret)
}

function newMessages(before: number) {
  return standIn.messages.slice(before)
}

describe('send through the SMS4.de stand-in', () => {
  it('a PIN with "Größe €" arrives as ISO-8859-15 bytes (€ is A4), in a POST body, quietly for the wrapper', async () => {
    const before = standIn.messages.length
    const text = `PIN ${PIN} Größe €`
    const run = await runCli([], sms4deEnv({ VLXSMS: '+49 (170) 123-4567', VLXPIN: PIN, VLXPIN_TEXT: text }))
    expect(run.code).toBe(EXIT.ok)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('')
    const [message] = newMessages(before)
    expect(message).toMatchObject({ method: 'POST', handynr: '491701234567', kodierung: undefined, text })
    expect([...message!.textParam]).toEqual([...Buffer.from(`PIN ${PIN} Gr`, 'latin1'), 0xf6, 0xdf, ...Buffer.from('e ', 'latin1'), 0xa4])
    // POST: the password is in the body, never in a URL.
    expect(standIn.requests.at(-1)!.url).toBe('/cgi-bin/sms_out.pl')
  })

  it('a Cyrillic text arrives as UCS-2 hex with kodierung=ucs', async () => {
    const before = standIn.messages.length
    const run = await runCli(['--json'], sms4deEnv({ VLXSMS: '+79161234567', VLXPIN: PIN, VLXPIN_TEXT: `Ваш PIN ${PIN}` }))
    expect(run.code).toBe(EXIT.ok)
    const [message] = newMessages(before)
    expect(message!.kodierung).toBe('ucs')
    expect(message!.textParam.toString('latin1')).toBe('041204300448002000500049004E0020003500380032003900310036')
    expect(message!.text).toBe(`Ваш PIN ${PIN}`)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ outcome: 'accepted', provider: 'sms4de', encoding: 'ucs2', providerId: message!.smsId })
    expectNoSecrets(run.stdout + run.stderr)
  })

  it.each([
    { name: 'a wrong password', env: { SMS4DE_PASSWORD: 'wrong-password-1' }, code: EXIT.auth, stderr: /SMS4\.de refused the credentials: Fehler: Benutzer, Passwort oder Kundennummer falsch/ },
    { name: 'a sender SMS4.de refuses', env: { SMS4DE_SENDER: 'VISULOX-GW' }, code: EXIT.config, stderr: /sms4de\.sender "VISULOX-GW" .* must be 6-11 letters and digits/ },
    { name: 'a text longer than 160 characters', env: { VLXPIN_TEXT: `PIN ${PIN} ${'x'.repeat(150)}` }, code: EXIT.input, stderr: /161 characters; SMS4\.de takes at most 160/ },
    { name: 'a national number without smskannel.country', env: { VLXSMS: '0170 1234567' }, code: EXIT.input, stderr: /has no country code; SMS4\.de needs one/ },
    { name: 'a missing customer number', env: { SMS4DE_KDNR: '' }, code: EXIT.config, stderr: /sms4de\.kdnr is not set\.\nhint: Set sms4de\.kdnr in the config file, SMS4DE_KDNR/ },
  ])('$name exits $code, sends nothing, and shows no secret', async ({ env, code, stderr }) => {
    const before = standIn.messages.length
    const run = await runCli(['--verbose'], sms4deEnv({ VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: `PIN ${PIN}`, ...env }))
    expect(run.code).toBe(code)
    expect(run.stderr).toMatch(stderr)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(newMessages(before)).toEqual([])
    expectNoSecrets(run.stdout + run.stderr)
    expect(run.stderr).not.toContain('wrong-password-1')
  })

  it('a national number gets its country from smskannel.country; sender and tarif go along', async () => {
    const before = standIn.messages.length
    const run = await runCli([], sms4deEnv({ VLXSMS: '0170 1234567', SMSKANNEL_COUNTRY: 'DE', SMS4DE_SENDER: '+491709999999', SMS4DE_TARIF: '7', VLXPIN_TEXT: 'PIN 1' }))
    expect(run.code).toBe(EXIT.ok)
    expect(newMessages(before)[0]).toMatchObject({ handynr: '491701234567', absender: '+491709999999', tarif: '7' })
  })

  it('GET puts the password in the URL for SMS4.de only; --verbose and --json still never show it', async () => {
    const run = await runCli(['--verbose', '--json'], sms4deEnv({ SMS4DE_METHOD: 'get', VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: `PIN ${PIN}` }))
    expect(run.code).toBe(EXIT.ok)
    expect(standIn.requests.at(-1)!.url).toMatch(/^\/cgi-bin\/sms_out\.pl\?handynr=491701234567&user=vlxsms&pwd=P%E4%24s%20w%2Brd%26%3D%251&kdnr=12345&v=1&text=PIN%20582916$/)
    expectNoSecrets(run.stdout + run.stderr)
  })

  it('--dry-run shows the request with the password and the PIN hidden, in ISO-8859-15 and in UCS-2 hex', async () => {
    for (const text of [`PIN ${PIN} €`, `PIN ${PIN} Ж`]) {
      const run = await runCli(['--dry-run', '--verbose'], sms4deEnv({ VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: text }))
      expect(run.code).toBe(EXIT.ok)
      expect(JSON.parse(run.stdout).body).toContain('pwd=********')
      expectNoSecrets(run.stdout + run.stderr)
    }
  })

  it('the password is in no process argument while the CLI waits for SMS4.de', async () => {
    standIn.holdRepliesMs = 1500
    try {
      const child = spawn(process.execPath, [BIN], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...sms4deEnv({ VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: `PIN ${PIN}` }) }, stdio: 'ignore' })
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      await new Promise((resolve) => setTimeout(resolve, 700))
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')
      expect(argv).toContain('sms-kannel')
      expectNoSecrets(argv)
      expect(await exited).toBe(EXIT.ok)
    } finally {
      standIn.holdRepliesMs = 0
    }
  })
})

describe('config --check through the SMS4.de balance query', () => {
  it('proves the credentials, shows the balance, sends nothing', async () => {
    const before = standIn.messages.length
    const run = await runCli(['config', '--check', '--json'], sms4deEnv())
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr).toContain('SMS4.de accepts these credentials for customer 12345; balance 34.56 EUR (nothing was sent).')
    expect(JSON.parse(run.stdout).checks).toEqual([{ gateway: standIn.checkUrl, result: 'ok', balanceEuro: 34.56, warnings: [] }])
    expect(JSON.parse(run.stdout).effective).toContainEqual({ key: 'sms4de.password', value: '********', where: 'environment SMS4DE_PASSWORD' })
    expect(newMessages(before)).toEqual([])
    expect(standIn.requests.at(-1)).toMatchObject({ method: 'POST', url: '/cgi-bin/sms_check.pl' })
    expectNoSecrets(run.stdout + run.stderr)
  })

  it('warns below sms4de.minbalance', async () => {
    const run = await runCli(['config', '--check'], sms4deEnv({ SMS4DE_MINBALANCE: '50' }))
    expect(run.code).toBe(EXIT.ok)
    expect(run.stderr).toContain('warning: The SMS4.de balance is 34.56 EUR, below sms4de.minbalance (50.00 EUR)')
  })

  it('a wrong password is status 10: exit 77', async () => {
    const run = await runCli(['config', '--check'], sms4deEnv({ SMS4DE_PASSWORD: 'wrong-password-2' }))
    expect(run.code).toBe(EXIT.auth)
    expect(run.stderr).toContain('SMS4.de refused the credentials: user, password and customer number do not match (status 10).')
    expect(run.stdout + run.stderr).not.toContain('wrong-password-2')
  })

  it('examples/sms4de.conf is a valid SMS4.de configuration', async () => {
    const run = await runCli(['config', '--config', join(import.meta.dirname, '../../examples/sms4de.conf')])
    expect(run.code).toBe(EXIT.ok)
    expect(run.stdout).toMatch(/^sms\.provider\s+sms4de\s+.*sms4de\.conf:5$/m)
    expect(run.stdout).toMatch(/^sms4de\.password\s+\*{8}/m)
  })

  it('shows the SMS4.de keys, not Kannel\'s, for an SMS4.de site', async () => {
    const run = await runCli(['config'], sms4deEnv())
    expect(run.stdout).toMatch(/^sms4de\.url\s+http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/sms_out\.pl\s+environment SMS4DE_URL$/m)
    expect(run.stdout).not.toContain('smskannel.gwurl')
    const kannel = await runCli(['config'], { SMSKANNEL_GWURL: 'http://kannel:13013', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: 'p-secret' })
    expect(kannel.stdout).not.toContain('sms4de.')
  })
})

describe('feedback --poll, then status', () => {
  it('asks about recent sends without a final report, several ids a request, and status shows delivered', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-')), 'events.db')
    // SMS4.de's dateTime has no zone: German time (sms4de.timezone's default), an hour ahead of UTC in November.
    const env = sms4deEnv({ SMSKANNEL_STORE: store })
    const clock = { now: '2026-11-28T10:16:50.000Z' }
    const before = standIn.messages.length
    for (const sequence of ['4711', '4712', '4713']) {
      const sent = await runCli([], { ...env, VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN ${PIN} Seq ${sequence}` }, clock)
      expect(sent.code).toBe(EXIT.ok)
    }
    const [delivered, failed, open] = newMessages(before)
    standIn.report(delivered!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK - An das Telefon gesendet', dateTime: '2026-11-28 11:16:58' })
    standIn.report(failed!.smsId, { status: '2', statusText: 'ERROR', statusDetailText: 'Transfer failed - Rufnummer unbekannt', dateTime: '2026-11-28 11:17:03' })
    const pending = await runCli(['status', '4711'], env, clock)
    expect(pending.stdout).toContain('no final report yet')
    expect(pending.stdout).toMatch(/sent\s+accepted by SMS4\.de at 127\.0\.0\.1:\d+, SMS4\.de id 4040\d+/)

    const requestsBefore = standIn.requests.length
    const first = await runCli(['feedback', '--poll', '--json', '--verbose'], env, clock)
    expect(first.code).toBe(EXIT.ok)
    expect(JSON.parse(first.stdout)).toMatchObject({ provider: 'sms4de', asked: 3, requests: 1, reports: 3, new: 3, duplicates: 0, unknown: 0 })
    const dlrRequests = standIn.requests.slice(requestsBefore)
    expect(dlrRequests.map((request) => request.url)).toEqual([`/restapi/v1/dlr/12345/${delivered!.smsId},${failed!.smsId},${open!.smsId}`])
    expectNoSecrets(first.stdout + first.stderr)

    const status = await runCli(['status', '4711'], env, clock)
    expect(status.code).toBe(EXIT.ok)
    expect(status.stdout).toMatch(/^sequence 4711, message [0-9a-f-]+, to \+4917\*{5}567: delivered after 8\.0 s( \(times in UTC\))?$/m)
    expect(status.stdout).toContain('delivered    reply Transfer OK - An das Telefon gesendet, SMSC id')
    expect((await runCli(['status', '4712'], env, clock)).stdout).toContain(': NOT delivered')
    expect((await runCli(['status', '4713', '--json'], env, clock)).stdout).toContain('"result":"pending"')

    // Idempotent: only the open one is asked about again, and nothing is stored twice.
    const again = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(JSON.parse(again.stdout)).toMatchObject({ asked: 1, requests: 1, reports: 1, new: 0, duplicates: 1 })
    standIn.report(open!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK - An das Telefon gesendet', dateTime: '2026-11-28 11:18:00' })
    const last = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(JSON.parse(last.stdout)).toMatchObject({ asked: 1, new: 1 })
    expect((await runCli(['feedback', '--poll', '--json'], env, clock)).stdout).toContain('"asked":0')
  })

  it('reads dateTime as German time, so latency is the real one and check does not alert; sms4de.timezone changes the zone', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-'))
    // The real clock: report and check find messages by their ids, which carry the real time.
    const wallTime = (ms: number, timeZone: string) => new Date(ms).toLocaleString('sv-SE', { timeZone })
    const sendAndReport = async (store: string, extra: Record<string, string>, timeZone: string) => {
      const env = sms4deEnv({ SMSKANNEL_STORE: store, ...extra })
      const sent = await runCli([], { ...env, VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_SEQUENCE: '31', VLXPIN_TEXT: `PIN ${PIN}` })
      expect(sent.code).toBe(EXIT.ok)
      standIn.report(standIn.messages.at(-1)!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK', dateTime: wallTime(Date.now() + 2000, timeZone) })
      expect(JSON.parse((await runCli(['feedback', '--poll', '--json'], env)).stdout)).toMatchObject({ reports: 1, new: 1 })
      return env
    }
    const latencyOf = async (env: Record<string, string>) => JSON.parse((await runCli(['status', '31', '--json'], env)).stdout).timelines[0].latencyMs as number

    const berlin = await sendAndReport(join(directory, 'berlin.db'), {}, 'Europe/Berlin')
    expect(await latencyOf(berlin)).toBeGreaterThan(0)
    expect(await latencyOf(berlin)).toBeLessThan(30_000)
    const status = await runCli(['status', '31'], { ...berlin, TZ: 'Europe/Berlin' })
    expect(status.stdout).toMatch(/ \+0[12]:00 {2}delivered/)
    expect(status.stdout).not.toContain('zone unknown')
    const check = await runCli(['check', '--warn-latency', '30s', '--crit-latency', '5m'], berlin)
    expect(check.stdout).toMatch(/^SMS-KANNEL OK - 1 PIN .*: 1 delivered/)
    expect(check.code).toBe(0)

    // A service that writes UTC: sms4de.timezone says so.
    const utc = await sendAndReport(join(directory, 'utc.db'), { SMS4DE_TIMEZONE: 'UTC' }, 'UTC')
    expect(await latencyOf(utc)).toBeLessThan(30_000)
    expect(await latencyOf(utc)).toBeGreaterThan(0)

    const bad = await runCli(['feedback', '--poll'], sms4deEnv({ SMSKANNEL_STORE: join(directory, 'utc.db'), SMS4DE_TIMEZONE: 'Mitteleuropa' }))
    expect(bad.code).toBe(EXIT.config)
    expect(bad.stderr).toContain('sms4de.timezone "Mitteleuropa"')
  })

  it('asks in batches of 20, skips sends older than --since, and counts ids SMS4.de does not know', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-')), 'events.db')
    const store = await openStore(path)
    const now = new Date('2026-11-28T12:00:00Z')
    for (let index = 0; index < 25; index++) {
      const providerId = String(50000000 + index)
      if (index < 22) standIn.report(providerId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK', dateTime: '2026-11-28 11:00:00' })
      store.recordSend({ messageId: `m-${index}`, sequence: String(index), recipient: '+4917*****567', sentAt: '2026-11-28T10:00:00.000Z', outcome: 'accepted', gateway: 'stand-in', provider: 'sms4de', providerId })
    }
    store.recordSend({ messageId: 'm-old', sequence: 'old', recipient: '+4917*****567', sentAt: '2026-11-25T10:00:00.000Z', outcome: 'accepted', gateway: 'stand-in', provider: 'sms4de', providerId: '50000000' })
    store.recordSend({ messageId: 'm-kannel', sequence: 'k', recipient: '+4917*****567', sentAt: '2026-11-28T10:00:00.000Z', outcome: 'accepted', gateway: 'kannel' })
    store.close()
    const env = sms4deEnv({ SMSKANNEL_STORE: path })
    const clock = { now: now.toISOString() }
    const requestsBefore = standIn.requests.length
    const run = await runCli(['feedback', '--poll', '--since', '24', '--json'], env, clock)
    expect(run.code).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ asked: 25, requests: 2, reports: 22, new: 22, unknown: 3 })
    expect(standIn.requests.slice(requestsBefore).map((request) => request.url.split('/').at(-1)!.split(',').length)).toEqual([20, 5])
  })

  it('a run that fails halfway keeps what it got: exit 75, and the next run asks only about the rest', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-')), 'events.db')
    const store = await openStore(path)
    for (let index = 0; index < 25; index++) {
      const providerId = String(60000000 + index)
      standIn.report(providerId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK', dateTime: '2026-11-28 11:00:00' })
      store.recordSend({ messageId: `h-${index}`, sequence: null, recipient: '+4917*****567', sentAt: '2026-11-28T10:00:00.000Z', outcome: 'accepted', gateway: 'stand-in', provider: 'sms4de', providerId })
    }
    store.close()
    const env = sms4deEnv({ SMSKANNEL_STORE: path })
    const clock = { now: '2026-11-28T12:00:00Z' }
    standIn.dlrRequestsBeforeFailure = 1
    try {
      const failed = await runCli(['feedback', '--poll'], env, clock)
      expect(failed.code).toBe(EXIT.gatewayUnavailable)
      expect(failed.stderr).toContain('SMS4.de\'s delivery report API failed (HTTP 503).')
    } finally {
      standIn.dlrRequestsBeforeFailure = Infinity
    }
    const rest = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(JSON.parse(rest.stdout)).toMatchObject({ asked: 5, requests: 1, new: 5 })
  })

  it('polled reports carry no callback token and are stored all the same when smskannel.secret is set', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-')), 'events.db')
    const store = await openStore(path)
    store.recordSend({ messageId: 'signed-1', sequence: '8123', recipient: '+4917*****567', sentAt: '2026-11-28T10:00:00.000Z', outcome: 'accepted', gateway: 'stand-in', provider: 'sms4de', providerId: '70000001' })
    store.close()
    standIn.report('70000001', { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK', dateTime: '2026-11-28 11:00:00' })
    const env = sms4deEnv({ SMSKANNEL_STORE: path, SMSKANNEL_SECRET: '0123456789abcdef-poll' })
    const clock = { now: '2026-11-28T12:00:00Z' }
    const run = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(JSON.parse(run.stdout)).toMatchObject({ asked: 1, new: 1 })
    expect((await runCli(['status', '8123'], env, clock)).stdout).toContain(': delivered')
  })

  it('a send spooled while the store is locked keeps its SMS4.de id, so feedback --poll still asks about it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-sms4de-')), 'events.db')
    const env = sms4deEnv({ SMSKANNEL_STORE: path })
    expect((await runCli(['feedback', '--store', path, 'seq=0&msgid=m0&dlr=1'])).code).toBe(EXIT.ok)
    const holder = new Database(path)
    holder.exec('BEGIN EXCLUSIVE')
    const sent = await runCli([], { ...env, VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_SEQUENCE: '9301', VLXPIN_TEXT: `PIN ${PIN} seq 9301` })
    holder.exec('ROLLBACK')
    holder.close()
    expect(sent.code, sent.stderr).toBe(EXIT.ok)
    expect(sent.stderr).toContain(`Kept in ${path}.spool`)
    standIn.report(standIn.messages.at(-1)!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK', dateTime: '2026-11-28 11:00:00' })
    const poll = await runCli(['feedback', '--poll', '--json'], env)
    expect(poll.code, poll.stderr).toBe(EXIT.ok)
    expect(JSON.parse(poll.stdout)).toMatchObject({ asked: 1, new: 1 })
    expect((await runCli(['status', '9301'], env)).stdout).toMatch(/: delivered.*\n.*SMS4\.de id \d+/)
  })

  it('a Kannel-only flag on an SMS4.de send is named as ignored, and the PIN still goes out', async () => {
    const run = await runCli(['--dry-run', '--json', '--sender', 'FOOBAR1'], { ...sms4deEnv(), VLXSMS: '+491701234567', VLXPIN: PIN, VLXPIN_TEXT: `PIN ${PIN}` })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toContain('warning: --sender sets smskannel.sender, which only Kannel reads; sms.provider is sms4de, so it is ignored.')
    expect(JSON.parse(run.stdout).request.body).not.toContain('FOOBAR1')
  })

  it('a Kannel site is told that polling is for SMS4.de', async () => {
    const run = await runCli(['feedback', '--poll'], { SMSKANNEL_GWURL: 'http://kannel:13013', SMSKANNEL_USER: 'u', SMSKANNEL_PASSWORD: 'p-secret', SMSKANNEL_STORE: '/tmp/x.db' })
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr).toContain('Kannel reports by callback instead')
  })
})
