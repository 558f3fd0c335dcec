import { appendFileSync, copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

const dlrs = (from: number, count: number) => Array.from({ length: count }, (_, k) => `seq=${from + k}&msgid=m${from + k}&dlr=1&time=${1795858642 + from + k}\n`).join('')

async function replay(store: string, ...paths: string[]) {
  const run = await runCli(['feedback', '--replay', ...paths, '--store', store, '--json'])
  // A comment line is a bad line (exit 65); everything else must have been processed.
  expect([0, 65], run.stderr).toContain(run.code)
  return JSON.parse(run.stdout.split('\n')[0]!) as { lines: number; new: number; duplicates: number }
}

describe('replay knows a file by more than its first line', () => {
  it.each([
    ['a comment line', '# saved DLRs\n'],
    ['a blank line', '\n'],
  ])('two different files that both start with %s are both replayed in full', async (_, firstLine) => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-identity-'))
    const store = join(dir, 'events.db')
    writeFileSync(join(dir, 'monday.txt'), firstLine + dlrs(0, 50))
    writeFileSync(join(dir, 'tuesday.txt'), firstLine + dlrs(1000, 80))
    expect(await replay(store, join(dir, 'monday.txt'))).toMatchObject({ new: 50 })
    expect(await replay(store, join(dir, 'tuesday.txt'))).toMatchObject({ lines: 81, new: 80 })
    // And each still resumes where it stopped.
    appendFileSync(join(dir, 'monday.txt'), dlrs(50, 5))
    expect(await replay(store, join(dir, 'monday.txt'), join(dir, 'tuesday.txt'))).toMatchObject({ lines: 5, new: 5 })
  })

  it('a file renamed, compressed or copied is still the file seen before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-identity-'))
    const store = join(dir, 'events.db')
    const log = join(dir, 'access.log')
    writeFileSync(log, '# saved DLRs\n' + dlrs(0, 100))
    expect(await replay(store, log)).toMatchObject({ new: 100 })
    appendFileSync(log, dlrs(100, 10))
    renameSync(log, `${log}.1`)
    expect(await replay(store, `${log}.1`)).toMatchObject({ lines: 10, new: 10 })
    copyFileSync(`${log}.1`, join(dir, 'copy.log'))
    writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.1`)))
    expect(await replay(store, join(dir, 'copy.log'), `${log}.2.gz`)).toMatchObject({ lines: 0, new: 0 })
  })

  it('a store whose progress was recorded by the first line alone (before migration 4) resumes after the upgrade', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-identity-'))
    const store = join(dir, 'events.db')
    const log = join(dir, 'access.log')
    writeFileSync(log, dlrs(0, 20))
    expect(await replay(store, log)).toMatchObject({ new: 20 })
    // Back to what schema 3 and earlier wrote: identity = the first line's hash, no head.
    const firstLineHash = createHash('sha256').update(dlrs(0, 1).trimEnd()).digest('hex').slice(0, 32)
    const db = new Database(store)
    db.exec(`DROP INDEX replay_files_by_first_line;
      CREATE TABLE old AS SELECT path, byte_offset, line FROM replay_files;
      DROP TABLE replay_files;
      CREATE TABLE replay_files (identity TEXT PRIMARY KEY, path TEXT NOT NULL, byte_offset INTEGER NOT NULL, line INTEGER NOT NULL);
      INSERT INTO replay_files SELECT '${firstLineHash}', * FROM old; DROP TABLE old;
      PRAGMA user_version = 3;`)
    db.close()
    appendFileSync(log, dlrs(20, 3))
    expect(await replay(store, log)).toMatchObject({ lines: 3, new: 3 })
    const upgraded = new Database(store, { readonly: true })
    expect(upgraded.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(4)
    expect(upgraded.prepare('SELECT head_bytes > 0 AS recorded FROM replay_files').get()).toEqual({ recorded: 1 })
    upgraded.close()
  })
})
