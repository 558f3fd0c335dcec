import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe, type ServeProcess } from '../helpers/serve-process.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'

const SECRET = 'report-e2e-shared-secret-4242'
const GOOD = 24
/** Numbers starting 999 are denied by the SMSC's prefix rule: Kannel refuses them and reports DLR 16. */
const ROUTED_TO_FAIL = 8
const CHECK = ['check', '--window', '15m', '--warn-rate', '95', '--crit-rate', '80', '--warn-latency', '30s', '--max-pending', '5']

/** Runs the sends a few at a time, as several logins at once would. */
async function sendAll(count: number, send: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) await send(next++)
  }
  await Promise.all([worker(), worker(), worker(), worker()])
}

describeWithKannel('report and check over what a real Kannel reported to serve', () => {
  let stack: KannelStack
  let serve: ServeProcess
  let store: string
  beforeAll(async () => {
    stack = await startKannel({ smscExtra: ['denied-prefix = 999'] })
    store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-report-e2e-')), 'events.db')
    serve = await startServe(['--store', store], { SMSKANNEL_SECRET: SECRET })
  })
  afterAll(async () => {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL')
    await stack?.stop()
  })

  const env = (extra: Record<string, string> = {}) => ({
    SMSKANNEL_GWURL: stack.gatewayUrl,
    SMSKANNEL_USER: stack.user,
    SMSKANNEL_PASSWORD: stack.password,
    SMSKANNEL_FEEDBACKURL: `${serve.base}/smsKannelfeedback`,
    SMSKANNEL_SECRET: SECRET,
    SMSKANNEL_STORE: store,
    ...extra,
  })
  const reportJson = async () => {
    const run = await runCli(['report', '--since', '1h', '--json'], { SMSKANNEL_STORE: store })
    expect(run.code, run.stderr).toBe(0)
    return JSON.parse(run.stdout)
  }

  it(`${GOOD} PINs delivered: report counts them all, and check says OK`, async () => {
    await sendAll(GOOD, async (index) => {
      const sequence = String(8000 + index)
      const run = await runCli([], env({ VLXSMS: `+4917012345${String(index).padStart(2, '0')}`, VLXPIN: '4711', VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN 4711 seq ${sequence}` }))
      expect(run.code, run.stderr).toBe(EXIT.ok)
    })
    const document = await stack.waitFor('every PIN delivered in the report', async () => {
      const current = await reportJson()
      return current.total.delivered === GOOD ? current : undefined
    }, 20_000)
    expect(document.by).toBe('minute')
    expect(document.total).toMatchObject({ sent: GOOD, accepted: GOOD, delivered: GOOD, failed: 0, pending: 0, deliveryRatePercent: 100 })
    expect(document.total.latencyMs.p99).toBeLessThan(10_000)
    expect(document.bySmsc).toMatchObject([{ smsc: 'fake1', sent: GOOD, delivered: GOOD }])
    expect(document.intervals.reduce((sum: number, interval: { sent: number }) => sum + interval.sent, 0)).toBe(GOOD)

    const check = await runCli(CHECK, { SMSKANNEL_STORE: store })
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(check.stdout).toMatch(new RegExp(`^SMS-KANNEL OK - ${GOOD} PINs in the last 15m: ${GOOD} delivered \\(100\\.0%\\), 0 failed, 0 pending, p90 \\S+ \\| sent=${GOOD};;;0 `))
  })

  it(`then ${ROUTED_TO_FAIL} PINs to a number the SMSC does not route: failures by reason, and check says CRITICAL`, async () => {
    await sendAll(ROUTED_TO_FAIL, async (index) => {
      const sequence = String(9000 + index)
      const run = await runCli([], env({ VLXSMS: `99912345${String(index).padStart(2, '0')}`, VLXPIN: '4711', VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN 4711 seq ${sequence}` }))
      // Kannel refuses it at once ("Not routable"), and still calls back with DLR 16.
      expect(run.code).toBe(EXIT.gatewayRejected)
    })
    const document = await stack.waitFor('the refused PINs in the report', async () => {
      const current = await reportJson()
      return current.total.failed === ROUTED_TO_FAIL ? current : undefined
    }, 20_000)
    expect(document.total).toMatchObject({ sent: GOOD + ROUTED_TO_FAIL, accepted: GOOD, delivered: GOOD, failed: ROUTED_TO_FAIL, pending: 0, deliveryRatePercent: 75 })
    expect(document.failuresByReason).toEqual([{ reason: 'NACK: no SMSC', count: ROUTED_TO_FAIL }])
    expect(document.bySmsc).toMatchObject([
      { smsc: 'fake1', sent: GOOD, failed: 0 },
      { smsc: null, sent: ROUTED_TO_FAIL, failed: ROUTED_TO_FAIL, deliveryRatePercent: 0 },
    ])

    const check = await runCli(CHECK, { SMSKANNEL_STORE: store })
    expect(check.code, check.stdout + check.stderr).toBe(2)
    expect(check.stdout).toMatch(/^SMS-KANNEL CRITICAL - delivery rate 75\.0% < 80%; 32 PINs in the last 15m: 24 delivered \(75\.0%\), 8 failed, 0 pending/)
    expect(check.stdout).toContain(' rate=75%;95:;80:;0;100 ')
  })

  it('serve counted the same callbacks on /metrics', async () => {
    const text = await (await fetch(`${serve.base}/metrics`)).text()
    expect(text).toContain(`sms_kannel_callbacks_total{type="accepted",result="new"} ${GOOD}`)
    expect(text).toContain(`sms_kannel_callbacks_total{type="delivered",result="new"} ${GOOD}`)
    expect(text).toContain(`sms_kannel_callbacks_total{type="rejected",result="new"} ${ROUTED_TO_FAIL}`)
    expect(text).toContain('sms_kannel_callbacks_refused_total{reason="forged"} 0')
  })
})
