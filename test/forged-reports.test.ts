/**
 * No path stores a report that serve would refuse, and a captured callback URL cannot mint
 * events: the built CLI with real files and a real store (issue 15, items 1 and 2).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { callbackToken } from '../src/core/callback-token.js'
import { makeLegacy } from './helpers/legacy-store.js'
import { runCli } from './helpers/run-cli.js'

const SECRET = 'a-secret-of-32-characters-000000'
const MESSAGE = '019ad0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d'
const TOKEN = callbackToken(SECRET, MESSAGE, '4711')
/** What serve stored and Apache logged for the SMSC's "accepted" report of sequence 4711. */
const CAPTURED = `seq=4711&msgid=${MESSAGE}&kid=f5abdb03-4acb-496b-9e79-bea0d95cfa38&dlr=8&reply=ACK%2F&smscmsgid=&recipient=%2B491701234567&sender=VISULOX&time=1795858642&smsc=fake1&token=${TOKEN}`

function accessLine(query: string, status: number, second = 54): string {
  return `203.0.113.9 - - [28/Nov/2026:10:16:${second} +0000] "GET /smsKannelfeedback?${query} HTTP/1.1" ${status} 3 "-" "Kannel/1.4.5"`
}

let dir: string
let env: Record<string, string>
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sms-kannel-forged-'))
  env = { SMSKANNEL_SECRET: SECRET, SMSKANNEL_STORE: join(dir, 'events.db') }
})

async function replay(lines: string[], extra: string[] = [], name = 'access.log') {
  const log = join(dir, name)
  writeFileSync(log, `${lines.join('\n')}\n`)
  const run = await runCli(['feedback', '--replay', log, '--json', ...extra], env)
  return { ...run, summary: run.stdout === '' ? undefined : JSON.parse(run.stdout.split('\n')[0]!) }
}

async function timeline(key: string) {
  const run = await runCli(['status', key, '--json'], env)
  return { code: run.code, timelines: run.code === 0 ? JSON.parse(run.stdout).timelines : [] }
}

describe('with smskannel.secret, no path stores what serve refuses', () => {
  it('skips and counts an access-log line serve answered 403 (the issue\'s reproduction)', async () => {
    const { code, summary, stderr } = await replay([accessLine('seq=9999&msgid=attacker&dlr=1&time=1795858642', 403)])
    expect(code, stderr).toBe(0)
    expect(summary).toMatchObject({ lines: 1, new: 0, answeredNon2xx: 1, refused: 0 })
    expect((await timeline('9999')).code).toBe(65)
  })

  it.each([
    ['no token', 'seq=9999&msgid=attacker&dlr=1&time=1795858642'],
    ['a token of another message', `seq=9999&msgid=attacker&dlr=1&token=${TOKEN}`],
    ['the captured token with another sequence', CAPTURED.replace('seq=4711', 'seq=9999')],
  ])('refuses a 200 line with %s: not stored, in the rejects file, exit 65', async (_, query) => {
    const { code, summary, stderr } = await replay([accessLine(query, 200)])
    expect(code).toBe(65)
    expect(stderr).toContain('--accept-unsigned')
    expect(summary).toMatchObject({ new: 0, refused: 1 })
    expect(readFileSync(`${env['SMSKANNEL_STORE']}.rejects`, 'utf8')).toContain('token missing or wrong')
    expect((await timeline('9999')).code).toBe(65)
  })

  it('refuses forged arguments and stdin lines the same way, printing no record for them', async () => {
    const forged = 'seq=9999&msgid=attacker&dlr=1'
    for (const run of [await runCli(['feedback', forged], env), await runCli(['feedback'], env, { stdin: `${forged}\n${CAPTURED}\n` })]) {
      expect(run.code).toBe(65)
      expect(run.stderr).toMatch(/(argument 1|stdin:1): refused: token missing or wrong/)
      expect(run.stdout).not.toContain('attacker')
    }
    expect((await timeline('9999')).code).toBe(65)
    expect((await timeline('4711')).timelines[0].steps.map((step: { what: string }) => step.what)).toEqual(['accepted'])
  })

  it('--accept-unsigned lets history from before the secret in, says so, and counts it', async () => {
    const history = accessLine('seq=12&msgid=old-1&dlr=1&time=1795858642', 200)
    const { code, summary, stderr } = await replay([history, accessLine(CAPTURED, 200)], ['--accept-unsigned'])
    expect(code, stderr).toBe(0)
    expect(stderr).toContain('--accept-unsigned: reports without a valid token are stored')
    expect(summary).toMatchObject({ new: 2, refused: 0, acceptedUnsigned: 1 })
    expect((await timeline('12')).timelines[0].result).toBe('delivered')
  })
})

describe('forwarding, with smskannel.secret', () => {
  it('passes on signed reports only: history let in by --accept-unsigned stays here', async () => {
    const received: string[] = []
    const server = createServer((request, response) => {
      received.push(request.url ?? '')
      response.writeHead(200).end('OK')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smsKannelfeedback`
      const unsigned = 'seq=12&msgid=old-1&dlr=1&time=1795858642'
      const run = await runCli(['feedback', '--forward', target, '--accept-unsigned', '--verbose', unsigned, CAPTURED], env)
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toContain('2 new')
      expect(run.stderr).toContain('1 forwarded, 0 to forward next run')
      expect(received).toEqual([`/smsKannelfeedback?${CAPTURED}`])
    } finally {
      server.close()
    }
  })
})

describe('a captured callback URL cannot make new events beyond one per DLR type', () => {
  it('20 variants with junk parameters and invented receipt fields store one event, and duplicates are counted', async () => {
    const variants = Array.from({ length: 20 }, (_, index) => `${CAPTURED}&junk${index}=${index}&x=${'y'.repeat(index)}`)
    const { summary, stderr } = await replay([CAPTURED, ...variants].map((query) => accessLine(query, 200)))
    expect(summary, stderr).toMatchObject({ lines: 21, new: 1, duplicates: 20 })
  })

  it('changing the DLR type, time, reply and SMSC ids adds at most one event per type, all for the captured message', async () => {
    const invented = [1, 1, 2, 4, 16, 16, 8, 3, 1].map((dlr, index) =>
      CAPTURED.replace('dlr=8', `dlr=${dlr}`).replace('time=1795858642', `time=${1795858642 + index}`).replace('smscmsgid=', `smscmsgid=fake-${index}`).replace('reply=ACK%2F', `reply=NACK%2F${index}`),
    )
    const { summary, stderr } = await replay([CAPTURED, ...invented].map((query) => accessLine(query, 200)))
    // accepted, delivered, undelivered (2 and 3), buffered, rejected: five types, no more.
    expect(summary, stderr).toMatchObject({ lines: 10, new: 5, duplicates: 5 })
    const [shown] = (await timeline('4711')).timelines
    expect(shown.messageId).toBe(MESSAGE)
  })
})

describe('a store from before ids came from meaning', () => {
  it('replaying the same callbacks and bearerbox lines again counts none of them twice', async () => {
    const lines = [
      accessLine(CAPTURED, 200),
      accessLine(CAPTURED.replace('dlr=8', 'dlr=1').replace('kid=f5abdb03', 'kid=e2f00e20'), 200, 55),
      '2026-11-28 09:38:09 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:] [META:?orig_msg?dlr_mask=31&] [from:13013] [to:600] [flags:-1:-1:-1:-1:8] [msg:4:ACK/] [udh:0:]',
    ]
    const first = await replay(lines, ['--accept-unsigned'])
    expect(first.summary).toMatchObject({ new: 3 })
    makeLegacy(env['SMSKANNEL_STORE']!)

    // The same reports as a new file (another first line), and a bearerbox line with the dlr-url.
    const again = await replay(
      ['# saved again', ...lines, `2026-11-28 10:16:55 Receive DLR [SMSC:fake1] [FID:x] [to:+491701234567] [flags:-1:-1:-1:-1:1] [ID:e2f00e20-aaaa] [dlr-url:http://vlx/smsKannelfeedback?seq=4711&msgid=${MESSAGE}&kid=%I&dlr=%d&token=${TOKEN}] [msg:0:] [udh:0:]`, accessLine('seq=77&msgid=after-upgrade&dlr=1&time=1895858642', 200)],
      ['--accept-unsigned'],
      'again.log',
    )
    // Only the report made after the upgrade is new.
    expect(again.summary, again.stderr).toMatchObject({ new: 1, duplicates: 4 })
  })
})
