import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type DlrRequest, type KannelStack } from './kannel-stack.js'

function combinedLogLine(dlr: DlrRequest): string {
  const [day, month, year, time] = dlr.receivedAt.toUTCString().split(' ').slice(1, 5) as [string, string, string, string]
  return `127.0.0.1 - - [${day}/${month}/${year}:${time} +0000] "GET ${dlr.target} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`
}

describeWithKannel('delivery reports from a real Kannel, end to end', () => {
  let stack: KannelStack
  let dir: string
  beforeAll(async () => {
    stack = await startKannel()
    dir = mkdtempSync(join(tmpdir(), 'sms-kannel-e2e-'))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function sendPin(sequence: string, store: string) {
    const run = await runCli(['--json'], {
      SMSKANNEL_GWURL: stack.gatewayUrl,
      SMSKANNEL_USER: stack.user,
      SMSKANNEL_PASSWORD: stack.password,
      SMSKANNEL_FEEDBACKURL: stack.feedbackUrl,
      SMSKANNEL_STORE: store,
      VLXSMS: '+491701234567',
      VLXPIN: '190283',
      VLXPIN_SEQUENCE: sequence,
      VLXPIN_TEXT: `PIN 190283 seq ${sequence}`,
    })
    expect(run.code, run.stderr).toBe(0)
    const { messageId } = JSON.parse(run.stdout)
    const callbacks = await stack.waitFor('DLR 8 and 1', () => {
      const mine = stack.dlrs.filter((dlr) => dlr.query.get('msgid') === messageId)
      return mine.length >= 2 ? mine : undefined
    })
    return { messageId: messageId as string, callbacks }
  }

  it.each(['stdin', 'replay'])('send records, feedback (%s) stores the callbacks, status shows the PIN delivered', async (how) => {
    const store = join(dir, `${how}.db`)
    const sequence = how === 'stdin' ? '5001' : '5002'
    const { messageId, callbacks } = await sendPin(sequence, store)

    if (how === 'stdin') {
      // Twice over, as Kannel's retries would: each report is stored once.
      const lines = [...callbacks, ...callbacks].map((dlr) => dlr.target).join('\n')
      const fed = await runCli(['feedback', '--store', store], {}, { stdin: `${lines}\n` })
      expect(fed.code, fed.stderr).toBe(0)
      expect(fed.stdout.trim().split('\n')).toHaveLength(4)
    } else {
      const log = join(dir, 'access.log')
      writeFileSync(log, `${callbacks.map(combinedLogLine).join('\n')}\n10.0.0.1 - - [28/Nov/2026:10:00:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "x"\n`)
      const replayed = await runCli(['feedback', '--replay', log, '--store', store, '--json'])
      expect(replayed.code, replayed.stderr).toBe(0)
      expect(JSON.parse(replayed.stdout)).toMatchObject({ lines: 3, new: 2, duplicates: 0, bad: 0, skipped: 1 })
    }

    for (const key of [sequence, messageId]) {
      const shown = await runCli(['status', key, '--store', store, '--json'])
      expect(shown.code, shown.stderr).toBe(0)
      const { timelines } = JSON.parse(shown.stdout)
      expect(timelines).toHaveLength(1)
      expect(timelines[0]).toMatchObject({ messageId, sequence, recipient: '+4917*****567', result: 'delivered' })
      expect(timelines[0].steps.map((step: { what: string }) => step.what)).toEqual(['sent', 'accepted', 'delivered'])
    }
    const human = await runCli(['status', sequence, '--store', store], { TZ: 'Asia/Tokyo' })
    expect(human.stdout).toMatch(new RegExp(`^sequence ${sequence}, message ${messageId}, to \\+4917\\*{5}567: delivered after \\d+\\.\\d s \\(times in Asia/Tokyo\\)\\n  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+09:00  sent +accepted by Kannel at 127\\.0\\.0\\.1:\\d+\\n  .*accepted +SMSC fake1, reply ACK/\\n  .*delivered +SMSC fake1, SMSC id [0-9a-f-]{36}\\n$`))
  })

  it('status of an unknown sequence exits 65 and says so', async () => {
    const store = join(dir, 'stdin.db')
    const run = await runCli(['status', '999999', '--store', store])
    expect(run.code).toBe(65)
    expect(run.stderr).toContain('knows no send or delivery report for 999999')
  })
})

describeWithKannel('bearerbox\'s access log in its host\'s local time', () => {
  let stack: KannelStack
  let dir: string
  beforeAll(async () => {
    // Tokyo: 9 hours from UTC all year, so a time read in the wrong zone cannot pass for right.
    // The recommended access-log-format: its [dlr-url:%R] names our message.
    stack = await startKannel({ timeZone: 'Asia/Tokyo', coreExtra: ['access-log-format = "%l [SMSC:%i] [SVC:%n] [ACT:%A] [BINF:%B] [FID:%F] [META:%D] [from:%p] [to:%P] [flags:%m:%c:%M:%C:%d] [ID:%I] [dlr-url:%R] [msg:%L:%b] [udh:%U:%u]"'] })
    dir = mkdtempSync(join(tmpdir(), 'sms-kannel-logzone-'))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('is read in this host\'s zone or smskannel.logtimezone, so the latency is the real one and check does not alert', async () => {
    const store = join(dir, 'sends.db')
    const sent = await runCli(['--json'], {
      SMSKANNEL_GWURL: stack.gatewayUrl, SMSKANNEL_USER: stack.user, SMSKANNEL_PASSWORD: stack.password, SMSKANNEL_FEEDBACKURL: stack.feedbackUrl,
      SMSKANNEL_STORE: store, VLXSMS: '+491701234567', VLXPIN: '190283', VLXPIN_SEQUENCE: '8101', VLXPIN_TEXT: 'PIN 190283 seq 8101',
    })
    expect(sent.code, sent.stderr).toBe(0)
    const log = join(stack.dir, 'access.log')
    await stack.waitFor('a Receive DLR line for delivered', () => (/ Receive DLR .*\[flags:[^\]]*:1\]/.test(readFileSync(log, 'utf8')) ? true : undefined), 20_000)
    const latencyAfterReplay = async (name: string, env: Record<string, string>) => {
      const copy = join(dir, `${name}.db`)
      copyFileSync(store, copy)
      const replay = await runCli(['feedback', '--replay', log, '--store', copy, '--json'], env)
      expect(replay.code, replay.stderr).toBe(0)
      const [timeline] = JSON.parse((await runCli(['status', '8101', '--store', copy, '--json'], env)).stdout).timelines
      expect(timeline.result).toBe('delivered')
      return { latencyMs: timeline.latencyMs as number | null, copy }
    }
    // feedback runs where Kannel runs: the host's zone is the log's.
    const here = await latencyAfterReplay('host-zone', { TZ: 'Asia/Tokyo' })
    expect(here.latencyMs).toBeGreaterThanOrEqual(0)
    expect(here.latencyMs).toBeLessThan(30_000)
    const check = await runCli(['check', '--store', here.copy, '--warn-latency', '30s', '--crit-latency', '5m'], { TZ: 'Asia/Tokyo' })
    expect(check.stdout).toMatch(/^SMS-KANNEL OK/)
    // A copy of the log read on a UTC host: the setting names Kannel's zone.
    const set = await latencyAfterReplay('setting', { TZ: 'UTC', SMSKANNEL_LOGTIMEZONE: 'Asia/Tokyo' })
    expect(set.latencyMs).toBeLessThan(30_000)
  })
})
