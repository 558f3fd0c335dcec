import { join } from 'node:path'
import { rmSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { canMount, mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { countDelivered, gatewayEnv, uniqueToken } from './messages.js'

const mountable = canMount()
if (!mountable) process.stderr.write('!! degraded-store tests SKIPPED: they need root and permission to mount a tmpfs\n')

function dlrLines(from: number, count: number): string {
  return Array.from({ length: count }, (_, k) => `seq=${(from + k) >> 1}&msgid=m${(from + k) >> 1}&dlr=${(from + k) % 2 ? 1 : 8}&time=${1795858642 + from + k}&pad=${'x'.repeat(200)}\n`).join('')
}

describe.skipIf(!mountable)('a degraded event store', () => {
  const mounts: SmallFs[] = []
  afterAll(() => {
    for (const mount of mounts) mount.unmount()
  })

  it('a full disk stops a replay with exit 74; nothing is lost or skipped, and the next run finishes the job', async () => {
    const fs = mountSmallFs(1024)
    mounts.push(fs)
    const store = join(fs.dir, 'events.db')
    const input = join(fs.dir, '..', `${fs.dir.split('/').at(-1)}-input.txt`)
    writeFileSync(input, dlrLines(0, 20_000))
    // The first run creates the store, and its 1 MiB disk fills up long before all 20,000 lines are in.
    const first = await runCli(['feedback', '--replay', input, '--store', store, '--json'])
    expect(first.code, first.stderr).toBe(EXIT.io)
    expect(first.stderr).toMatch(/error: The event store .*events\.db cannot be used: (the disk is full|writing to it failed)/)
    const db = new Database(store, { readonly: true, fileMustExist: true })
    const stored = db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }
    const progress = db.prepare('SELECT line FROM replay_files').get() as { line: number } | undefined
    db.close()
    // Every line before the committed progress is stored; nothing after it was skipped.
    expect(stored.n).toBe(progress?.line ?? 0)
    expect(stored.n).toBeLessThan(20_000)

    // Space again: the next run picks up where the committed progress says, and finishes.
    fs.grow(65_536)
    const second = await runCli(['feedback', '--replay', input, '--store', store, '--json'])
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ lines: 20_000 - (progress?.line ?? 0), new: 20_000 - stored.n, duplicates: 0 })
    const after = new Database(store, { readonly: true })
    expect((after.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(20_000)
    after.close()
    rmSync(input)
  }, 60_000)

  it('a read-only store stops a replay at once with exit 74', async () => {
    const fs = mountSmallFs(4096)
    mounts.push(fs)
    const store = join(fs.dir, 'events.db')
    const created = await runCli(['feedback', '--store', store, 'dlr=1&msgid=x'])
    expect(created.code).toBe(0)
    fs.makeReadOnly()
    const input = join(fs.dir, '..', `${fs.dir.split('/').at(-1)}-ro-input.txt`)
    writeFileSync(input, dlrLines(0, 10))
    const run = await runCli(['feedback', '--replay', input, '--store', store])
    expect(run.code).toBe(EXIT.io)
    expect(run.stderr).toMatch(/cannot be used: (it is not writable|the file system is read-only \(EROFS\))/)
    rmSync(input)
  })
})

describeWithKannel('a degraded store never stops a PIN', () => {
  let stack: KannelStack
  const mounts: SmallFs[] = []
  beforeAll(async () => {
    stack = await startKannel()
  })
  afterAll(async () => {
    for (const mount of mounts) mount.unmount()
    await stack?.stop()
  })

  it.skipIf(!mountable).each(['full', 'read-only'])('send with a %s store: the SMS goes out, exit 0, a warning', async (how) => {
    const fs = mountSmallFs(2048)
    mounts.push(fs)
    const store = join(fs.dir, 'events.db')
    expect((await runCli(['feedback', '--store', store, 'dlr=1&msgid=x'])).code).toBe(0)
    if (how === 'full') fs.fill(0)
    else fs.makeReadOnly()
    const token = uniqueToken()
    const run = await runCli(['--to', '+491701234567', '--text', `PIN 1 ${token}`], gatewayEnv(stack, { SMSKANNEL_STORE: store }))
    expect(run.code, run.stderr).toBe(0)
    // The record cannot go to the spool next to the store either: the warning says both.
    expect(run.stderr).toMatch(/^warning: not recorded in the event store( now)?\. The event store .* cannot be used: (the disk is full\.|it is not writable \(permissions or a read-only file system\)\.|the file system is read-only \(EROFS\)\.|writing to it failed \(SQLITE_IOERR\w*\): is the disk full or failing\?)( The spool .*\.spool could not be written either: .*| Kept in .*\.spool, stored by the next command that opens the store\.)$/m)
    expect(await countDelivered(stack, token)).toBe(1)
  })
})

