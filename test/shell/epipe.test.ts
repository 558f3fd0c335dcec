import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { BIN } from '../helpers/run-cli.js'
import { startServe } from '../helpers/serve-process.js'

const fresh = () => join(mkdtempSync(join(tmpdir(), 'sms-kannel-epipe-')), 'events.db')
const lines = (count: number) => Array.from({ length: count }, (_, i) => `seq=${i}&msgid=m${i}&dlr=1&time=${1795858642 + i}\n`).join('')

describe('a closed output pipe', () => {
  it('feedback | head -1: stores what it read, stops reading, exits 74 with a message (no stack trace)', async () => {
    const store = fresh()
    const child = spawn(process.execPath, [BIN, 'feedback', '--store', store], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // Like `head -1`: read the first line, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy())
    child.stdin.on('error', () => undefined)
    child.stdin.end(lines(5000))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(EXIT.io)
    const match = /stdout was closed by its reader \(EPIPE\): the (\d+) line\(s\) read were stored in .*; the rest of the input was not read\./.exec(stderr)
    expect(match, stderr).not.toBeNull()
    expect(stderr).not.toMatch(/unexpected|bug|    at /)
    const db = new Database(store, { readonly: true })
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(Number(match![1]))
    db.close()
  })

  it('serve 2>&1 | head -2: keeps receiving and storing callbacks once its log pipe is closed', async () => {
    const store = fresh()
    const serve = await startServe(['--store', store], { SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:1/smsKannelfeedback' })
    serve.child.stderr!.destroy()
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${serve.base}/smsKannelfeedback?seq=${i}&msgid=m${i}&dlr=1&time=${1795858642 + i}`)
      expect(response.status).toBe(200)
    }
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    const db = new Database(store, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 50 })
    db.close()
  })
})
