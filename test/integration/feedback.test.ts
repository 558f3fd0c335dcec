import { mkdtempSync, writeFileSync } from 'node:fs'
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
