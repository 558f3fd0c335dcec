import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { BIN, fixedClockArgs, runCli } from '../helpers/run-cli.js'

const NOW = '2026-11-28T12:00:00Z'

/** A mixed file: bare queries, access-log lines, repeats (Kannel's retries), bad and foreign lines. */
function mixedFile(lines: number): string {
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    const message = i >> 1
    const query = `seq=${message % 5000}&msgid=m${message}&dlr=${i % 2 === 0 ? 8 : 1}&reply=${i % 2 === 0 ? 'ACK%2F' : ''}&recipient=%2B4917${message}&time=${1795858642 + (i >> 4)}`
    const kind = i % 10
    if (kind < 5) out.push(query)
    else if (kind < 8) out.push(`127.0.0.1 - - [28/Nov/2026:09:${String((i >> 6) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /smsKannelfeedback?${query} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`)
    else if (kind === 8) out.push(out[Math.max(0, out.length - 7)]!)
    else out.push(i % 20 === 9 ? `broken line ${i}` : '10.0.0.2 - - [28/Nov/2026:09:00:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "monitor"')
  }
  return `${out.join('\n')}\n`
}

/** Everything replay writes, in a fixed order, for comparing two stores. */
function dump(path: string): { events: unknown[]; rejects: unknown[]; progress: unknown[] } {
  const db = new Database(path, { readonly: true })
  try {
    return {
      events: db.prepare('SELECT hex(event_id) id, message_id, sequence, dlr, status, recipient, smsc_reply, gateway_time, received_at, source, raw FROM events ORDER BY event_id').all(),
      rejects: db.prepare('SELECT identity, line, reason, raw FROM rejects ORDER BY identity, line').all(),
      progress: db.prepare('SELECT identity, byte_offset, line FROM replay_files ORDER BY identity').all(),
    }
  } finally {
    db.close()
  }
}

function killedReplay(file: string, store: string, afterMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...fixedClockArgs(NOW), BIN, 'feedback', '--replay', file, '--store', store], { env: { PATH: process.env['PATH'] ?? '' }, stdio: 'ignore' })
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs)
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      resolve(signal)
    })
  })
}

it('a replay killed with SIGKILL at random points, then run again, leaves the store exactly as one clean run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-crash-'))
  const file = join(dir, 'access.log')
  writeFileSync(file, mixedFile(120_000))

  const started = performance.now()
  const clean = await runCli(['feedback', '--replay', file, '--store', join(dir, 'clean.db'), '--json'], {}, { now: NOW })
  const cleanMs = performance.now() - started
  expect(clean.code).toBe(65)
  const cleanSummary = JSON.parse(clean.stdout.split('\n')[0]!)
  // Lines 9, 29, 49, ... are broken (6,000); 8, 18, ... repeat an earlier line (12,000).
  expect(cleanSummary).toMatchObject({ lines: 120_000, new: 96_000, duplicates: 12_000, bad: 6000, skipped: 6000 })

  const crashed = join(dir, 'crashed.db')
  // Within a clean run's time, however fast replay gets: each run resumes, so the first kill lands mid-run.
  const delays = Array.from({ length: 4 }, () => Math.floor(cleanMs * (0.3 + Math.random() * 0.6)))
  const signals = []
  for (const delay of delays) signals.push(await killedReplay(file, crashed, delay))
  // At least one kill must land mid-run for the test to say anything.
  expect(signals, `kill delays ${delays.join(', ')} ms`).toContain('SIGKILL')
  const finish = await runCli(['feedback', '--replay', file, '--store', crashed, '--json'], {}, { now: NOW })
  expect([0, 65]).toContain(finish.code)

  const expected = dump(join(dir, 'clean.db'))
  const actual = dump(crashed)
  expect(actual.events.length, `kill delays ${delays.join(', ')} ms`).toBe(expected.events.length)
  expect(actual.events.length).toBe(cleanSummary.new)
  expect(actual).toEqual(expected)
}, 120_000)
