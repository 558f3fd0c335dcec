import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe } from '../helpers/serve-process.js'
import { canMount, mountSmallFs, type SmallFs } from '../helpers/small-fs.js'

const DLR = 'seq=1&msgid=m1&dlr=1&time=1795858642'
const fresh = () => mkdtempSync(join(tmpdir(), 'sms-kannel-hygiene-'))

describe('the store is only ever an sms-kannel store', () => {
  it('refuses another application\'s SQLite file (exit 74) and changes nothing in it', async () => {
    const path = join(fresh(), 'app.db')
    const other = new Database(path)
    other.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES (\'alice\')')
    other.close()
    const before = statSync(path)
    for (const args of [['feedback', '--store', path, DLR], ['status', '1', '--store', path], ['feedback', '--replay', '/dev/null', '--store', path]]) {
      const run = await runCli(args)
      expect(run.code, run.stderr).toBe(EXIT.io)
      expect(run.stderr).toContain(`error: ${path} is not an sms-kannel event store (it holds other tables: users); nothing was changed in it.`)
    }
    const after = new Database(path, { readonly: true })
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'users' }])
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete')
    after.close()
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs)
  })

  it('names a store made by a newer version as such', async () => {
    const path = join(fresh(), 'events.db')
    expect((await runCli(['feedback', '--store', path, DLR])).code).toBe(0)
    const db = new Database(path)
    db.pragma('user_version = 99')
    db.close()
    const run = await runCli(['status', '1', '--store', path])
    expect(run.code).toBe(EXIT.io)
    expect(run.stderr).toMatch(/was made by a newer sms-kannel \(schema version 99; this one knows up to \d+\)\./)
  })

  it('a file that is not SQLite at all, and a directory, get clear reasons', async () => {
    const dir = fresh()
    const text = join(dir, 'notes.txt')
    await import('node:fs').then((fs) => fs.writeFileSync(text, 'x'.repeat(4096)))
    const notDb = await runCli(['feedback', '--store', text, DLR])
    expect(notDb.code).toBe(EXIT.io)
    expect(notDb.stderr).toContain('it is not an SQLite database')
    const directory = await runCli(['feedback', '--store', dir, DLR])
    expect(directory.code).toBe(EXIT.io)
    expect(directory.stderr).toMatch(/cannot be used: it is a directory|it cannot be opened/)
  })
})

describe('store files are private (mode 0600)', () => {
  it('the store, its -wal and -shm, serve\'s journal and the replay lock', async () => {
    const dir = fresh()
    const store = join(dir, 'sub', 'events.db')
    const serve = await startServe(['--store', store], { SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:1/smsKannelfeedback' })
    const response = await fetch(`${serve.base}/smsKannelfeedback?${DLR}`)
    expect(response.status).toBe(200)
    const files = readdirSync(join(dir, 'sub'))
    expect(files).toEqual(expect.arrayContaining(['events.db', 'events.db-wal', 'events.db-shm', 'events.db.journal.lock', 'events.db.journal.00000001']))
    for (const file of files) expect([file, statSync(join(dir, 'sub', file)).mode & 0o777]).toEqual([file, 0o600])
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
  })
})

describe('a store shared with its group (smskannel.storegroupwrite = true)', () => {
  it('the store, its -wal and -shm are 0660, in a directory it makes 2770; serve\'s journal and the replay\'s rejects stay 0600', async () => {
    const dir = fresh()
    const store = join(dir, 'sub', 'events.db')
    const shared = { SMSKANNEL_STOREGROUPWRITE: 'true' }
    const serve = await startServe(['--store', store], { ...shared, SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:1/smsKannelfeedback' })
    expect((await fetch(`${serve.base}/smsKannelfeedback?${DLR}`)).status).toBe(200)
    const replayed = join(dir, 'access.log')
    writeFileSync(replayed, 'not a report\n')
    const replay = await runCli(['feedback', '--replay', replayed, '--store', store], shared)
    expect(replay.code, replay.stderr).toBe(EXIT.input)
    const files = readdirSync(join(dir, 'sub'))
    expect(files).toEqual(expect.arrayContaining(['events.db', 'events.db-wal', 'events.db-shm', 'events.db.journal.lock', 'events.db.journal.00000001', 'events.db.rejects']))
    const modes = files.map((file) => [file, (statSync(join(dir, 'sub', file)).mode & 0o777).toString(8)])
    expect(modes).toEqual(files.map((file) => [file, ['events.db', 'events.db-wal', 'events.db-shm'].includes(file) ? '660' : '600']))
    // The directory it made: the group may create the -wal, -shm and spool there, in its group.
    expect((statSync(join(dir, 'sub')).mode & 0o7777).toString(8)).toBe('2770')
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
  })
})

const mountable = canMount()
describe.skipIf(!mountable)('status reads a store it cannot write', () => {
  const mounts: SmallFs[] = []
  afterAll(() => mounts.forEach((mount) => mount.unmount()))

  it('works on a read-only file system, and creates nothing', async () => {
    const fs = mountSmallFs(2048)
    mounts.push(fs)
    const store = join(fs.dir, 'events.db')
    expect((await runCli(['feedback', '--store', store, DLR])).code).toBe(0)
    fs.makeReadOnly()
    const run = await runCli(['status', '1', '--store', store, '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).timelines[0]).toMatchObject({ sequence: '1', result: 'delivered' })
    // Writers say why, in words.
    const write = await runCli(['feedback', '--store', store, DLR])
    expect(write.code).toBe(EXIT.io)
    expect(write.stderr).toMatch(/cannot be used: (it is not writable|the file system is read-only|its directory is not writable)/)
    expect(write.stderr).not.toMatch(/SQLite failed \(SQLITE_/)
  })

  it('a store that does not exist is not created by status', async () => {
    const dir = fresh()
    const run = await runCli(['status', '1', '--store', join(dir, 'events.db')])
    expect(run.code).toBe(EXIT.io)
    expect(run.stderr).toContain('does not exist yet')
    expect(existsSync(join(dir, 'events.db'))).toBe(false)
  })
})

describe('an unusable --rejects path', () => {
  it.each([
    ['a directory', (dir: string) => dir, 'it is a directory (EISDIR)'],
    ['in a directory that does not exist', (dir: string) => join(dir, 'missing', 'rejects.txt'), 'no such file or directory (ENOENT)'],
  ])('%s: exit 74 naming the file, before anything is read', async (_, rejectsFor, why) => {
    const dir = fresh()
    const input = join(dir, 'dlrs.txt')
    await import('node:fs').then((fs) => fs.writeFileSync(input, `${DLR}\nnot a dlr\n`))
    const rejects = rejectsFor(dir)
    const run = await runCli(['feedback', '--replay', input, '--store', join(dir, 'events.db'), '--rejects', rejects])
    expect(run.code, run.stderr).toBe(EXIT.io)
    expect(run.stderr).toContain(`error: Cannot write the rejects file ${rejects}: ${why}.`)
    // Nothing was taken from the file: the next run with a good path reads it all.
    const again = await runCli(['feedback', '--replay', input, '--store', join(dir, 'events.db'), '--json'])
    expect(JSON.parse(again.stdout.split('\n')[0]!)).toMatchObject({ lines: 2, new: 1, bad: 1 })
  })
})
