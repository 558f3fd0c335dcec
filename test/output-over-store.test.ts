import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'

describe('an output file that is the event store is refused, and the store kept', () => {
  it.each([
    { name: 'report --html the store', args: (dir: string) => ['report', '--html', join(dir, 'events.db')] },
    { name: 'report --html a link to the store', args: (dir: string) => (symlinkSync(join(dir, 'events.db'), join(dir, 'link.db')), ['report', '--html', join(dir, 'link.db')]) },
    { name: 'report --html the store\'s WAL', args: (dir: string) => ['report', '--html', join(dir, 'events.db-wal')] },
    { name: 'feedback --rejects the store', args: (dir: string) => ['feedback', '--replay', join(dir, 'bad.txt'), '--rejects', join(dir, 'events.db')] },
    { name: 'feedback --rejects the send spool', args: (dir: string) => ['feedback', '--replay', join(dir, 'bad.txt'), '--rejects', join(dir, 'events.db.spool')] },
    { name: 'report --html a segment of serve\'s journal', args: (dir: string) => ['report', '--html', join(dir, 'events.db.journal.00000001')] },
  ])('$name: exit 64, and status still reads the store', async ({ args }) => {
    const cwd = mkdtempSync(join(tmpdir(), 'sms-kannel-output-'))
    const env = { SMSKANNEL_STORE: join(cwd, 'events.db') }
    expect((await runCli(['feedback', 'dlr=1&msgid=pin-4711'], env, { cwd })).code).toBe(0)
    writeFileSync(join(cwd, 'bad.txt'), 'not a report\n')
    const before = readFileSync(join(cwd, 'events.db'))

    const run = await runCli(args(cwd), env, { cwd })
    expect(run.code).toBe(EXIT.usage)
    expect(run.stderr).toMatch(/^error: --(html|rejects) .* is the event store's file .*: writing there would destroy it\.$/m)
    expect(readFileSync(join(cwd, 'events.db'))).toEqual(before)
    const status = await runCli(['status', 'pin-4711'], env, { cwd })
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('delivered')
  })
})
