import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, settle } from './messages.js'

describeWithKannel('many sends at once and a replay share one store', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('50 concurrent sends and a replay: every send recorded once, no lock errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-concurrent-'))
    const store = join(dir, 'events.db')
    const replayFile = join(dir, 'dlrs.txt')
    writeFileSync(replayFile, Array.from({ length: 60_000 }, (_, i) => `seq=${i}&msgid=r${i}&dlr=${i % 2 ? 1 : 8}&time=${1795858642 + i}\n`).join(''))

    const replay = runCli(['feedback', '--replay', replayFile, '--store', store, '--json'])
    const sends = Array.from({ length: 50 }, (_, i) =>
      runCli(['--json', '--timeout', '30s'], gatewayEnv(stack, { SMSKANNEL_STORE: store, VLXSMS: '+491701234567', VLXPIN: '4242', VLXPIN_SEQUENCE: `c${i}`, VLXPIN_TEXT: `PIN 4242 seq c${i}` })),
    )
    const [replayed, ...sent] = await Promise.all([replay, ...sends])

    expect(replayed!.code, replayed!.stderr).toBe(0)
    expect(JSON.parse(replayed!.stdout)).toMatchObject({ lines: 60_000, new: 60_000 })
    for (const run of sent) {
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).not.toMatch(/locked|not recorded/i)
    }
    const messageIds = sent.map((run) => JSON.parse(run.stdout).messageId as string)
    const db = new Database(store, { readonly: true })
    const rows = db.prepare("SELECT message_id AS id, sequence, outcome FROM sends WHERE sequence LIKE 'c%'").all() as Array<{ id: string; sequence: string; outcome: string }>
    db.close()
    expect(rows.map((row) => row.id).sort()).toEqual([...messageIds].sort())
    expect(new Set(rows.map((row) => row.sequence)).size).toBe(50)
    expect(rows.every((row) => row.outcome === 'accepted')).toBe(true)
    await settle(stack)
    for (let i = 0; i < 50; i++) expect(stack.messages().filter((message) => message.text === `PIN 4242 seq c${i}`)).toHaveLength(1)
  }, 120_000)
})
