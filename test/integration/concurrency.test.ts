import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, settle } from './messages.js'

const sendEnv = (stack: KannelStack, store: string, sequence: string) =>
  gatewayEnv(stack, { SMSKANNEL_STORE: store, VLXSMS: '+491701234567', VLXPIN: '4242', VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN 4242 seq ${sequence}` })

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
      // A send that found the store locked by the replay spools its record; the replay stores it.
      expect(run.stderr.replace(/^warning: not recorded in the event store now\. .*it stayed locked by another process\. Kept in .*events\.db\.spool, stored by the next command that opens the store\.\n/gm, '')).toBe('')
    }
    const messageIds = sent.map((run) => JSON.parse(run.stdout).messageId as string)
    // What was spooled after the replay's last commit is stored by the next command.
    expect((await runCli(['feedback', '--store', store, 'seq=x&msgid=x&dlr=1&time=1795858642'])).code).toBe(0)
    const db = new Database(store, { readonly: true })
    const rows = db.prepare("SELECT message_id AS id, sequence, outcome FROM sends WHERE sequence LIKE 'c%'").all() as Array<{ id: string; sequence: string; outcome: string }>
    db.close()
    expect(rows.map((row) => row.id).sort()).toEqual([...messageIds].sort())
    expect(new Set(rows.map((row) => row.sequence)).size).toBe(50)
    expect(rows.every((row) => row.outcome === 'accepted')).toBe(true)
    await settle(stack)
    for (let i = 0; i < 50; i++) expect(stack.messages().filter((message) => message.text === `PIN 4242 seq c${i}`)).toHaveLength(1)
  }, 120_000)

  it('30 concurrent first sends into a new store: the schema is made once, every send is visible to status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-first-'))
    const store = join(dir, 'new', 'events.db')
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => runCli(['--json', '--timeout', '30s'], sendEnv(stack, store, `f${i}`))))
    for (const run of sent) {
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).not.toMatch(/not recorded|SQLite/i)
    }
    expect(statSync(store).mode & 0o777).toBe(0o600)
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => runCli(['status', `f${i}`, '--store', store, '--json'])))
    for (const [i, run] of statuses.entries()) {
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).timelines[0]).toMatchObject({ sequence: `f${i}`, messageId: JSON.parse(sent[i]!.stdout).messageId })
    }
  }, 120_000)

  it('a send whose record cannot be written now keeps it in a 0600 spool; status shows it, the next command stores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spool-'))
    const store = join(dir, 'events.db')
    expect((await runCli(['feedback', '--store', store, 'seq=0&msgid=m0&dlr=1&time=1795858642'])).code).toBe(0)
    // Another process holds the write lock for longer than a send waits.
    const holder = new Database(store)
    holder.exec('BEGIN EXCLUSIVE')
    const run = await runCli(['--json', '--timeout', '30s'], sendEnv(stack, store, 'sp1'))
    holder.exec('ROLLBACK')
    holder.close()
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`Kept in ${store}.spool, stored by the next command that opens the store`)
    expect(statSync(`${store}.spool`).mode & 0o777).toBe(0o600)

    const before = await runCli(['status', 'sp1', '--store', store, '--json'])
    expect(before.code, before.stderr).toBe(0)
    expect(JSON.parse(before.stdout).timelines[0]).toMatchObject({ sequence: 'sp1', messageId: JSON.parse(run.stdout).messageId })

    expect((await runCli(['feedback', '--store', store, 'seq=1&msgid=m1&dlr=1&time=1795858642'])).code).toBe(0)
    expect(existsSync(`${store}.spool`)).toBe(false)
    const db = new Database(store, { readonly: true })
    expect(db.prepare("SELECT sequence FROM sends WHERE sequence = 'sp1'").all()).toHaveLength(1)
    db.close()
  }, 60_000)
})
