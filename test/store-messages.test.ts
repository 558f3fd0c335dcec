import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'

describe('an event store path that is a directory', () => {
  it.each([
    ['status', ['status', '17']],
    ['report', ['report']],
  ])('%s says so (EISDIR), as every command does, exit 74', async (_name, args) => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-dirstore-'))
    const run = await runCli([...args, '--store', dir])
    expect(run.code, run.stderr).toBe(EXIT.io)
    expect(run.stderr).toMatch(/^error: The event store .* cannot be used: it is a directory \(EISDIR\)\.\n/)
    expect(run.stderr).not.toMatch(/\?\./)
  })
})

describe('send with a store it cannot use: the PIN goes out, the warning is plain sentences', () => {
  let kannel: Server
  let gwurl: string
  beforeAll(async () => {
    kannel = createServer((request, response) => {
      request.resume()
      request.on('end', () => response.writeHead(202, { server: 'Kannel/1.4.5' }).end('0: Accepted for delivery'))
    })
    await new Promise<void>((resolve) => kannel.listen(0, '127.0.0.1', resolve))
    gwurl = `http://127.0.0.1:${(kannel.address() as AddressInfo).port}`
  })
  afterAll(() => kannel?.close())

  const send = (store: string) =>
    runCli(['--to', '+491701234567', '--text', 'PIN 582916', '--store', store], { SMSKANNEL_GWURL: gwurl, SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: 'pw-Secret-9' })

  it('spooled: no sentence nested in parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spoolwarn-'))
    const store = join(dir, 'events.db')
    mkdirSync(store)
    const run = await send(store)
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toContain(`warning: not recorded in the event store now. The event store ${store} cannot be used: it is a directory (EISDIR). Kept in ${store}.spool, stored by the next command that opens the store.\n`)
  })

  it('a store under /proc, where no directory can be made: exits at once with the warning (Node\'s recursive mkdir spun for ever there)', async () => {
    const run = await send('/proc/sms-kannel-nowhere/events.db')
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toMatch(/^warning: not recorded in the event store/m)
  }, 20_000)

  it('neither store nor spool: both causes, each its own sentence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-spoolwarn-'))
    writeFileSync(join(dir, 'file'), '')
    const store = join(dir, 'file', 'events.db')
    const run = await send(store)
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toMatch(/^warning: not recorded in the event store\. The event store .*\/file\/events\.db cannot be used: [^()]+ \(E[A-Z]+\)\. The spool .*\/file\/events\.db\.spool could not be written either: a part of the path is not a directory \(ENOTDIR\)\.$/m)
  })
})
