/** serve on PostgreSQL whose journal fails during an outage: it stops draining, and a SIGTERM still finishes. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { eventCounts } from '../helpers/pg-events.js'
import { trackServes, type ServeProcess } from '../helpers/serve-process.js'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const { start: startServe, killLeft } = trackServes()

describeWithPostgres('serve on PostgreSQL with a journal that fails during an outage', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())
  afterEach(killLeft)
  const status = async (serve: ServeProcess, path: string) => {
    const response = await request(`${serve.base}${path}`)
    await response.body.text()
    return response.statusCode
  }
  const callback = (serve: ServeProcess, messageId: string) => status(serve, `/smsKannelfeedback?seq=1&msgid=${messageId}&dlr=1&time=1795858642`)
  async function waitFor(serve: ServeProcess, pattern: RegExp, ms: number): Promise<void> {
    for (const until = Date.now() + ms; Date.now() < until && !pattern.test(serve.stderr()); ) await pause(100)
    expect(serve.stderr()).toMatch(pattern)
  }

  it('stops on its own (exit 74, lock released, journal kept) when the journal fails during an outage, and the next start stores what it kept', async () => {
    const url = await server.createDatabase()
    const journal = join(mkdtempSync(join(tmpdir(), 'sms-kannel-pg-jfail-')), 'serve.journal')
    const env = { SMSKANNEL_STORE: url, SMSKANNEL_JOURNAL: journal }
    const serve = await startServe([], env)
    expect(await callback(serve, 'jf-a1')).toBe(200)
    // Where the outage's next segment would go: a directory, so it cannot be created (as with no inodes left).
    mkdirSync(`${journal}.00000002`)
    await server.halt()
    let exited: number | string | null
    try {
      expect(await callback(serve, 'jf-b1'), 'kept in the journal alone; the seal after it fails').toBe(200)
      // A journal that failed is not trusted again: serve stops by itself, for its supervisor to start it anew.
      exited = await Promise.race([serve.exited, pause(15_000).then(() => 'still running 15 s after the journal failed')])
    } finally {
      await server.start()
    }
    expect(exited, serve.stderr()).toBe(74)
    expect(serve.stderr()).toMatch(/the journal failed: finishing callbacks in flight/)
    expect(serve.stderr()).toMatch(/the journal .* failed during this run \(callbacks got 503 since\); it is kept/)
    expect(serve.stderr()).toMatch(/stopped\n.*serve's journal .* cannot be used: it is a directory \(EISDIR\)/)
    expect(serve.stderr()).not.toMatch(/unexpected failure|at .*\.cjs:\d+/)
    expect(existsSync(`${journal}.lock`), 'the lock is released').toBe(false)
    expect(readdirSync(join(journal, '..')).filter((name) => /^serve\.journal\.\d+$/.test(name))).toEqual(['serve.journal.00000001', 'serve.journal.00000002'])

    // The obstacle gone, the next start stores what the journal kept: the callback answered 200 is not lost.
    rmdirSync(`${journal}.00000002`)
    const again = await startServe([], env)
    expect(again.stderr()).toMatch(/journal: 2 callback\(s\) from before the last stop, 1 of them not yet in the store, now stored/)
    again.child.kill('SIGTERM')
    expect(await again.exited, again.stderr()).toBe(0)
    const counts = await eventCounts(url)
    expect([counts.get('jf-a1'), counts.get('jf-b1')]).toEqual([1, 1])
  }, 90_000)
})
