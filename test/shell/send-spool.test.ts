import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { appendToSpoolFile, spoolPath } from '../../src/shell/send-spool.js'
import { openStore } from '../../src/shell/store.js'
import { BIN } from '../helpers/run-cli.js'

const record = (messageId: string) => ({ messageId, sequence: null, recipient: '+4915112345601', sentAt: '2026-12-07T12:00:00.000Z', outcome: 'accepted', gateway: 'kannel' })

describe('the send spool', () => {
  it('keeps a record appended after a tail torn by a crash or a full disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spool-'))
    const store = join(dir, 'events.db')
    ;(await openStore(store)).close()
    appendToSpoolFile(spoolPath(store), record('before-the-tear'))
    // What a write cut short leaves: part of a record and no newline.
    appendFileSync(spoolPath(store), '{"messageId":"torn","sequ')
    appendToSpoolFile(spoolPath(store), record('after-the-tear'))

    const opened = await openStore(store)
    try {
      expect(opened.find('before-the-tear').sends).toHaveLength(1)
      expect(opened.find('after-the-tear').sends).toHaveLength(1)
    } finally {
      opened.close()
    }
    expect(existsSync(spoolPath(store))).toBe(false)
  })

  it('creates a spool with the mode asked for (0660 for a group-written store), and leaves an existing one\'s mode alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spool-'))
    const shared = join(dir, 'shared.db.spool')
    appendToSpoolFile(shared, record('shared'), 0o660)
    expect((statSync(shared).mode & 0o777).toString(8)).toBe('660')
    const own = join(dir, 'own.db.spool')
    writeFileSync(own, '', { mode: 0o600 })
    appendToSpoolFile(own, record('own'), 0o660)
    expect((statSync(own).mode & 0o777).toString(8)).toBe('600')
    expect(readFileSync(own, 'utf8')).toContain('"messageId":"own"')
  })

  it('leaves a spool the draining command cannot read (another user\'s 0600 file, a read error), and a later command stores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spool-'))
    const store = join(dir, 'events.db')
    ;(await openStore(store)).close()
    const line = `${JSON.stringify(record('spooled-by-the-wrapper'))}\n`
    writeFileSync(spoolPath(store), line, { mode: 0o600 })
    // A read that fails whoever runs it, root included: past what one read takes (sparse, no disk used).
    truncateSync(spoolPath(store), 3 * 2 ** 30)

    const other = spawnSync(process.execPath, [BIN, 'feedback', '--store', store, 'dlr=1&msgid=abc'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, encoding: 'utf8' })
    expect(other.stderr).not.toMatch(/at .*\.c?js:\d+/)
    expect(other.status).toBe(0)
    const left = readdirSync(dir).filter((name) => name.startsWith('events.db.spool'))
    expect(left).toHaveLength(1)

    truncateSync(join(dir, left[0]!), Buffer.byteLength(line))
    const opened = await openStore(store)
    try {
      expect(opened.find('spooled-by-the-wrapper').sends).toHaveLength(1)
    } finally {
      opened.close()
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('events.db.spool'))).toEqual([])
  })
})
