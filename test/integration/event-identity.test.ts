/**
 * One event per real report, whichever of Kannel's traces it is read from: the callbacks,
 * the reverse proxy's access log and bearerbox's own access log of the same real traffic,
 * with several sends in the same second (issue 17, item 1).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDlrUrl } from '../../src/core/kannel-request.js'
import { uuidV7 } from '../../src/core/message-id.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe } from '../helpers/serve-process.js'
import { describeWithKannel, startKannel, type DlrRequest, type KannelStack } from './kannel-stack.js'

const SECRET = 'integration-secret-0123456789abc'
/** The access-log-format README and examples/kannel.conf recommend: the default one plus %I and %R. */
const RECOMMENDED_ACCESS_LOG_FORMAT =
  'access-log-format = "%l [SMSC:%i] [SVC:%n] [ACT:%A] [BINF:%B] [FID:%F] [META:%D] [from:%p] [to:%P] [flags:%m:%c:%M:%C:%d] [ID:%I] [dlr-url:%R] [msg:%L:%b] [udh:%U:%u]"'

function combinedLogLine(dlr: DlrRequest, status = 200): string {
  const [day, month, year, time] = dlr.receivedAt.toUTCString().split(' ').slice(1, 5) as [string, string, string, string]
  return `127.0.0.1 - - [${day}/${month}/${year}:${time} +0000] "GET ${dlr.target} HTTP/1.1" ${status} 3 "-" "Kannel/1.4.5"`
}

/** Sends at once, straight to smsbox, so that they share a second; the dlr-url is the one send builds. */
async function sendTogether(stack: KannelStack, sequences: readonly string[], withDlrUrl: (messageId: string, sequence: string) => string): Promise<string[]> {
  const messageIds = sequences.map(() => uuidV7(Date.now(), crypto.getRandomValues(new Uint8Array(10))))
  await Promise.all(
    sequences.map(async (sequence, index) => {
      const query = new URLSearchParams({
        username: stack.user, password: stack.password, to: '+491701234567', text: `PIN ${sequence}`,
        'dlr-mask': '31', 'dlr-url': withDlrUrl(messageIds[index]!, sequence),
      })
      const response = await fetch(`${stack.gatewayUrl}/cgi-bin/sendsms?${query}`)
      expect(response.status).toBe(202)
    }),
  )
  return messageIds
}

/** The sends store as it is: three sends wrote it at once, so part of it may still be in its WAL. */
function copyStore(from: string, to: string): void {
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
}

async function replayInto(store: string, file: string, env: Record<string, string>) {
  const run = await runCli(['feedback', '--replay', file, '--store', store, '--json'], env)
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout)
}

async function stepsOf(store: string, key: string): Promise<string[]> {
  const run = await runCli(['status', key, '--store', store, '--json'], { SMSKANNEL_SECRET: SECRET })
  expect(run.code, run.stderr).toBe(0)
  const { timelines } = JSON.parse(run.stdout)
  expect(timelines).toHaveLength(1)
  return timelines[0].steps.map((step: { what: string }) => step.what)
}

it('recommends the same access-log-format in README and examples/kannel.conf as is tested here', () => {
  for (const file of ['../../README.md', '../../examples/kannel.conf']) {
    expect(readFileSync(new URL(file, import.meta.url), 'utf8'), file).toContain(RECOMMENDED_ACCESS_LOG_FORMAT)
  }
})

describeWithKannel('one event per real report from callbacks, the Apache log and bearerbox\'s log', () => {
  let stack: KannelStack
  let dir: string
  const env = { SMSKANNEL_SECRET: SECRET }
  const sequences = { cli: ['7001', '7002', '7003'], direct: ['7101', '7102', '7103'] }
  let sendsStore: string

  beforeAll(async () => {
    stack = await startKannel({ coreExtra: [RECOMMENDED_ACCESS_LOG_FORMAT] })
    dir = mkdtempSync(join(tmpdir(), 'sms-kannel-identity-'))
    sendsStore = join(dir, 'sends.db')
    // Three PINs as VISULOX sends them (recorded in the store), and three more in one second.
    const sent = await Promise.all(
      sequences.cli.map((sequence) =>
        runCli(['--json'], {
          ...env, SMSKANNEL_GWURL: stack.gatewayUrl, SMSKANNEL_USER: stack.user, SMSKANNEL_PASSWORD: stack.password,
          SMSKANNEL_FEEDBACKURL: stack.feedbackUrl, SMSKANNEL_STORE: sendsStore, VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN seq ${sequence}`, VLXPIN_SEQUENCE: sequence,
        }),
      ),
    )
    for (const run of sent) expect(run.code, run.stderr).toBe(0)
    await sendTogether(stack, sequences.direct, (messageId, sequence) => buildDlrUrl(new URL(stack.feedbackUrl), { messageId, sequence }, SECRET))
    await stack.waitFor('12 callbacks', () => (stack.dlrs.length >= 12 ? true : undefined), 20_000)
    await stack.waitFor('12 Receive DLR lines', () => (readFileSync(join(stack.dir, 'access.log'), 'utf8').match(/ Receive DLR /g)?.length === 12 ? true : undefined))
  }, 60_000)
  afterAll(async () => {
    await stack?.stop()
  })

  function sources() {
    const callbacks = join(dir, 'callbacks.txt')
    // Each callback twice, as Kannel's retries would bring it.
    writeFileSync(callbacks, [...stack.dlrs, ...stack.dlrs].map((dlr) => dlr.target).join('\n') + '\n')
    const apache = join(dir, 'apache-access.log')
    // A 503 the receiver gave before the retry that got 200: the same report, not stored twice.
    writeFileSync(apache, [combinedLogLine(stack.dlrs[0]!, 503), ...stack.dlrs.map((dlr) => combinedLogLine(dlr))].join('\n') + '\n')
    const bearerbox = join(dir, 'bearerbox-access.log')
    copyFileSync(join(stack.dir, 'access.log'), bearerbox)
    return { callbacks, apache, bearerbox }
  }

  it('stores each of the 12 reports once, whatever the order of the three sources', async () => {
    const { callbacks, apache, bearerbox } = sources()
    for (const [name, order] of [['callbacks-first', [callbacks, apache, bearerbox]], ['bearerbox-first', [bearerbox, apache, callbacks]]] as const) {
      const store = join(dir, `${name}.db`)
      copyStore(sendsStore, store)
      const summaries = []
      for (const file of order) summaries.push(await replayInto(store, file, env))
      expect(summaries.reduce((sum, summary) => sum + summary.new, 0), name).toBe(12)
      expect(summaries[0].new, name).toBe(12)
      for (const sequence of sequences.cli) expect(await stepsOf(store, sequence)).toEqual(['sent', 'accepted', 'delivered'])
      for (const sequence of sequences.direct) expect(await stepsOf(store, sequence)).toEqual(['accepted', 'delivered'])
    }
  })

  it('shows in status the reports only bearerbox\'s log knew, joined to their sends', async () => {
    const store = join(dir, 'bearerbox-only.db')
    copyStore(sendsStore, store)
    const summary = await replayInto(store, sources().bearerbox, env)
    expect(summary).toMatchObject({ new: 12, refused: 0, bad: 0 })
    for (const sequence of sequences.cli) {
      const run = await runCli(['status', sequence, '--store', store, '--json'], env)
      const [timeline] = JSON.parse(run.stdout).timelines
      expect(timeline).toMatchObject({ sequence, result: 'delivered', recipient: '+4917*****567' })
      expect(timeline.steps.map((step: { what: string }) => step.what)).toEqual(['sent', 'accepted', 'delivered'])
    }
  })

  it('takes a forwarded copy for the report it is: serve behind --forward, then bearerbox\'s log, adds nothing', async () => {
    const { callbacks, bearerbox } = sources()
    const downstream = join(dir, 'downstream.db')
    const serve = await startServe(['--store', downstream], env)
    try {
      const upstream = join(dir, 'upstream.db')
      const run = await runCli(['feedback', '--replay', callbacks, '--store', upstream, '--forward', `${serve.base}/smsKannelfeedback`, '--json'], env)
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ new: 12, forwarded: 12, forwardFailed: 0 })
    } finally {
      serve.child.kill('SIGTERM')
      await serve.exited
    }
    expect(await replayInto(downstream, bearerbox, env)).toMatchObject({ new: 0, duplicates: 12 })
  })

  it('joins each callback to its bearerbox line by Kannel\'s report id as well', () => {
    const log = readFileSync(join(stack.dir, 'access.log'), 'utf8')
    const logged = new Set([...log.matchAll(/ Receive DLR .*\[ID:([0-9a-f-]{36})\]/g)].map((match) => match[1]))
    expect(logged.size).toBe(12)
    expect(new Set(stack.dlrs.map((dlr) => dlr.query.get('kid')))).toEqual(logged)
  })
})

describeWithKannel('bearerbox\'s default access-log format: identical lines are distinct reports', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel()
  }, 30_000)
  afterAll(async () => {
    await stack?.stop()
  })

  it('stores three same-second sends\' identical DLR 8 lines as three events, and the same file again as stdin adds none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-default-log-'))
    const log = join(stack.dir, 'access.log')
    // Until the three "accepted" lines share a second (nearly always the first time).
    let acceptedLines: string[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = stack.dlrs.length
      await sendTogether(stack, ['1', '2', '3'], () => `${stack.feedbackUrl}?d=%d`)
      await stack.waitFor('6 more callbacks', () => (stack.dlrs.length >= before + 6 ? true : undefined), 20_000)
      await stack.waitFor('the Receive DLR lines', () => ((readFileSync(log, 'utf8').match(/ Receive DLR /g)?.length ?? 0) >= (attempt + 1) * 6 ? true : undefined))
      const lines = readFileSync(log, 'utf8').split('\n').filter((line) => line.includes(' Receive DLR ') && line.includes(':8] [msg:4:ACK/]'))
      acceptedLines = lines.slice(-3)
      if (new Set(acceptedLines).size === 1) break
    }
    expect(new Set(acceptedLines).size, 'three identical DLR 8 lines').toBe(1)

    const copy = join(dir, 'access.log')
    copyFileSync(log, copy)
    const reports = readFileSync(copy, 'utf8').match(/ Receive DLR /g)!.length
    const store = join(dir, 'events.db')
    const first = await replayInto(store, copy, {})
    expect(first).toMatchObject({ new: reports, duplicates: 0 })
    // The same file again, as stdin: the same lines in the same places, the same reports.
    const again = await runCli(['feedback', '--store', store, '--json'], {}, { stdin: readFileSync(copy, 'utf8') })
    expect(again.code, again.stderr).toBe(0)
    const once = new Database(store, { readonly: true })
    expect(once.prepare('SELECT count(*) FROM events').pluck().get()).toBe(reports)
    once.close()
  })
})
