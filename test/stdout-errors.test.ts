import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { BIN, runCli } from './helpers/run-cli.js'

/** The built CLI with stdout on /dev/full (every write fails with ENOSPC), as `cmd > /dev/full`. */
function runToFullDisk(args: string[], env: Record<string, string> = {}, cwd?: string, stdin = ''): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w')
  const child = spawn(process.execPath, ['--', BIN, ...args], {
    cwd: cwd ?? mkdtempSync(join(tmpdir(), 'sms-kannel-full-')),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TZ: 'UTC', ...env },
    stdio: ['pipe', full, 'pipe'],
  })
  closeSync(full)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdin!.end(stdin)
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })))
}

const ENOSPC = /^error: cannot write to stdout: the disk is full \(ENOSPC\)/m

describe('stdout on a full disk (> /dev/full)', () => {
  let dir: string
  let store: string
  let kannel: Server
  let gwurl: string
  let accepted = 0
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sms-kannel-stdout-'))
    store = join(dir, 'events.db')
    const fed = await runCli(['feedback', '--store', store], {}, { stdin: 'seq=18&msgid=m1&dlr=1&time=1795858642\n' })
    expect(fed.code, fed.stderr).toBe(0)
    kannel = createServer((request, response) => {
      request.resume()
      request.on('end', () => {
        accepted += 1
        response.writeHead(202, { server: 'Kannel/1.4.5' }).end('0: Accepted for delivery')
      })
    })
    await new Promise<void>((resolve) => kannel.listen(0, '127.0.0.1', resolve))
    gwurl = `http://127.0.0.1:${(kannel.address() as AddressInfo).port}`
  })
  afterAll(() => kannel?.close())

  it.each<{ name: string; args: () => string[]; env?: Record<string, string> }>([
    { name: 'report (table)', args: () => ['report', '--store', store, '--since', '2026-11-01'] },
    { name: 'report --csv', args: () => ['report', '--store', store, '--csv'] },
    { name: 'report --json', args: () => ['report', '--store', store, '--json'] },
    { name: 'status --json', args: () => ['status', '18', '--store', store, '--json'] },
    { name: 'status', args: () => ['status', '18', '--store', store] },
    { name: 'store migrate --json', args: () => ['store', 'migrate', '--store', store, '--json'] },
    { name: 'config --json', args: () => ['config', '--json'], env: { SMSKANNEL_GWURL: 'http://127.0.0.1:9', SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: 'pw-Secret-9' } },
    { name: '--help', args: () => ['--help'] },
  ])('$name: exit 74 naming the real cause, no stack trace', async ({ args, env }) => {
    const run = await runToFullDisk(args(), env)
    expect(run.code, run.stderr).toBe(EXIT.io)
    expect(run.stderr).toMatch(ENOSPC)
    expect(run.stderr).not.toMatch(/EPIPE|unexpected|    at /)
  })

  it('check: UNKNOWN (3), as for any failure, not an empty OK', async () => {
    const run = await runToFullDisk(['check', '--store', store])
    expect(run.code, run.stderr).toBe(3)
    expect(run.stderr).toMatch(/^error: cannot write to stdout: the disk is full \(ENOSPC\): the check's result was lost\./m)
  })

  it('feedback: exit 74 saying ENOSPC (not EPIPE), what it read is stored', async () => {
    const run = await runToFullDisk(['feedback', '--store', store], {}, undefined, 'seq=19&msgid=m2&dlr=1&time=1795858643\n')
    expect(run.code, run.stderr).toBe(EXIT.io)
    expect(run.stderr).toMatch(/^error: cannot write to stdout: the disk is full \(ENOSPC\): the 1 line\(s\) read were stored in /m)
    expect(run.stderr).not.toContain('EPIPE')
    const status = await runCli(['status', '19', '--store', store, '--json'])
    expect(status.code, status.stderr).toBe(0)
  })

  it('send --json: still exit 0, since the PIN went out; a warning says the JSON was lost', async () => {
    const before = accepted
    const run = await runToFullDisk(['--json', '--timeout', '5s'], {
      SMSKANNEL_GWURL: gwurl,
      SMSKANNEL_USER: 'tester',
      SMSKANNEL_PASSWORD: 'pw-Secret-9',
      VLXSMS: '+491701234567',
      VLXPIN: '582916',
      VLXPIN_SEQUENCE: '4711',
    })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(accepted).toBe(before + 1)
    expect(run.stderr).toMatch(/^warning: cannot write to stdout: the disk is full \(ENOSPC\); the SMS went out all the same \(exit 0\)\./m)
  })

  it('send --dry-run: exit 74, since its output is all it does; nothing sent', async () => {
    const before = accepted
    const run = await runToFullDisk(['--dry-run', '--to', '+491701234567', '--text', 'PIN 582916'], { SMSKANNEL_GWURL: gwurl, SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: 'pw-Secret-9' })
    expect(run.code, run.stderr).toBe(EXIT.io)
    expect(run.stderr).toMatch(ENOSPC)
    expect(accepted).toBe(before)
  })

  it('report | head -1 (EPIPE) still exits 0 quietly', async () => {
    const child = spawn(process.execPath, ['--', BIN, 'report', '--store', store, '--since', '30h', '--by', 'minute'], { env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(0)
    expect(stderr).toBe('')
  })
})
