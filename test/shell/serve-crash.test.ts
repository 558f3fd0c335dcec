import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { startServe, streamCallbacks } from '../helpers/serve-process.js'
import { openCallbackJournal } from '../../src/shell/callback-journal.js'
import { openStore } from '../../src/shell/store.js'

it.each(['full', 'normal'])('killed with SIGKILL under a stream of callbacks, serve (durability %s) has stored every callback it answered 200', async (durability) => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-crash-')), 'events.db')
  const serve = await startServe(['--store', store, '--durability', durability])
  const stream = streamCallbacks(serve.base, { connections: 32, prefix: 'load', alive: () => serve.child.exitCode === null && serve.child.signalCode === null })
  const { acknowledged } = stream
  await new Promise((resolve) => setTimeout(resolve, 800 + Math.random() * 700))
  serve.child.kill('SIGKILL')
  expect(await serve.exited).toBe('SIGKILL')
  await stream.stop()

  expect(acknowledged.length, 'callbacks answered 200 before the kill').toBeGreaterThan(200)
  const reopened = await openStore(store)
  try {
    const missing = acknowledged.filter((messageId) => reopened.find(messageId).events.length !== 1)
    expect(missing).toEqual([])
  } finally {
    reopened.close()
  }
}, 30_000)

it('stores at start what the journal holds but the store lost (a power cut after the 200), then deletes the journal', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-journal-')), 'events.db')
  // What a power cut leaves: journal lines fsynced and answered 200, their store commit gone.
  const journal = openCallbackJournal(`${store}.journal`)
  journal.append([
    { receivedAt: '2026-11-28T11:59:00.000Z', target: '/smsKannelfeedback?seq=4711&msgid=lost-1&dlr=8&time=1795858642' },
    { receivedAt: '2026-11-28T11:59:01.000Z', target: '/smsKannelfeedback?seq=4711&msgid=lost-1&dlr=1&time=1795858643' },
  ])
  await journal.sync()
  journal.close()

  const serve = await startServe(['--store', store, '--durability', 'full'])
  expect(serve.stderr()).toMatch(/journal: 2 callback\(s\) from before the last stop, 2 of them not yet in the store, now stored/)
  const response = await request(`${serve.base}/smsKannelfeedback?seq=4712&msgid=new-1&dlr=1&time=1795858650`)
  expect(response.statusCode).toBe(200)
  await response.body.text()
  serve.child.kill('SIGTERM')
  expect(await serve.exited).toBe(0)

  expect(readdirSync(join(store, '..')).filter((name) => name.includes('.journal.'))).toEqual([])
  const reopened = await openStore(store)
  try {
    const events = reopened.find('4711').events
    expect(events.map((event) => [event.dlr, event.receivedAt])).toEqual(expect.arrayContaining([[8, '2026-11-28T11:59:00.000Z'], [1, '2026-11-28T11:59:01.000Z']]))
    expect(reopened.find('new-1').events).toHaveLength(1)
  } finally {
    reopened.close()
  }
}, 30_000)

it('refuses a second serve on the same store (exit 75): it would take the first one\'s journal for a crash\'s', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-lock-')), 'events.db')
  // A lock left by a killed serve is taken over.
  writeFileSync(`${store}.journal.lock`, '2147483646')
  const first = await startServe(['--store', store])
  const second = await runCli(['serve', '--listen', '127.0.0.1:0', '--store', store])
  expect(second.code).toBe(75)
  expect(second.stderr).toMatch(new RegExp(`Another serve \\(pid ${first.child.pid}\\) is receiving callbacks into`))
  first.child.kill('SIGTERM')
  expect(await first.exited).toBe(0)
  expect(existsSync(`${store}.journal.lock`)).toBe(false)
}, 30_000)

it('names a journal it cannot use as a store problem (exit 74), not as a bug', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-journal-bad-')), 'events.db')
  // Something that is not a file where a journal segment should be.
  mkdirSync(`${store}.journal.00000001`)
  const run = await runCli(['serve', '--listen', '127.0.0.1:0', '--store', store])
  expect(run.code).toBe(74)
  expect(run.stderr).toMatch(/serve's journal .*events\.db\.journal\.\* cannot be used: it is a directory \(EISDIR\)/)
  expect(run.stderr).not.toMatch(/unexpected failure|at .*\.cjs:\d+/)
}, 30_000)
