import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { startServe, type ServeProcess } from '../helpers/serve-process.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'

const SECRET = 'shared-secret-for-the-callbacks-42'

describeWithKannel('serve receives a real Kannel\'s callbacks', () => {
  let stack: KannelStack
  let serve: ServeProcess
  let store: string
  beforeAll(async () => {
    stack = await startKannel()
    store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-e2e-')), 'events.db')
    serve = await startServe(['--store', store], { SMSKANNEL_SECRET: SECRET })
  })
  afterAll(async () => {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL')
    await stack?.stop()
  })

  it('send with the feedback URL at serve: the DLRs arrive, are stored, and status shows the PIN delivered', async () => {
    const sent = await runCli(['--json'], {
      SMSKANNEL_GWURL: stack.gatewayUrl,
      SMSKANNEL_USER: stack.user,
      SMSKANNEL_PASSWORD: stack.password,
      SMSKANNEL_FEEDBACKURL: `${serve.base}/smsKannelfeedback`,
      SMSKANNEL_SECRET: SECRET,
      SMSKANNEL_STORE: store,
      VLXSMS: '+491701234567',
      VLXPIN: '620115',
      VLXPIN_SEQUENCE: '7001',
      VLXPIN_TEXT: 'PIN 620115 seq 7001',
    })
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stdout + sent.stderr).not.toContain(SECRET)
    const { messageId } = JSON.parse(sent.stdout)

    const timeline = await stack.waitFor('status delivered', async () => {
      const shown = await runCli(['status', '7001', '--store', store, '--json'])
      if (shown.code !== 0) return undefined
      const [first] = JSON.parse(shown.stdout).timelines
      return first.result === 'delivered' && first.steps.length === 3 ? first : undefined
    }, 15_000)
    expect(timeline).toMatchObject({ messageId, sequence: '7001', result: 'delivered' })
    expect(timeline.steps.map((step: { what: string }) => step.what)).toEqual(['sent', 'accepted', 'delivered'])
    expect(serve.stderr()).toMatch(new RegExp(`200 new: dlr=8 accepted seq=7001 msgid=${messageId} to=\\+4917\\*{5}567`))
    expect(serve.stderr()).not.toMatch(/\+491701234567|620115/)
  })

  it('refuses a forged callback and does not store it', async () => {
    const forged = await fetch(`${serve.base}/smsKannelfeedback?seq=7002&msgid=forged&dlr=1&time=1795858642`)
    expect(forged.status).toBe(403)
    const shown = await runCli(['status', '7002', '--store', store])
    expect(shown.code).toBe(65)
  })

  it('stops on SIGTERM: exit 0, store closed', async () => {
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    expect(serve.stderr()).toMatch(/SIGTERM: finishing callbacks in flight\nstopped\n$/)
  })
})
