/** feedback and feedback --replay on a PostgreSQL store, as cron runs them on several nodes. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'

const NOW = '2026-11-28T12:00:00Z'

/** Distinct reports, two per message, with a bad line every 1,000. */
function replayFile(lines: number): string {
  const text = Array.from({ length: lines }, (_, i) =>
    i % 1000 === 999 ? `not a report ${i}\n` : `seq=${i >> 1}&msgid=m${i >> 1}&dlr=${i % 2 === 0 ? 8 : 1}&time=${1795858642 + i}\n`,
  ).join('')
  const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-pg-replay-')), 'access.log')
  writeFileSync(file, text)
  return file
}

describeWithPostgres('feedback on a PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  const env = () => ({ PGPASSWORD: server.password })
  const fresh = async () => Object.assign(new URL(await server.createDatabase()), { password: '' }).href
  const withPassword = (url: string) => Object.assign(new URL(url), { password: server.password }).href
  /** What a store holds, compared as a whole: events, checkpoints, rejects. */
  async function contents(url: string) {
    const client = new pg.Client({ connectionString: withPassword(url) })
    await client.connect()
    try {
      const events = await client.query(`SELECT encode(event_id, 'hex') AS id, message_id, dlr, raw FROM events ORDER BY event_id`)
      const files = await client.query('SELECT identity, byte_offset::int AS offset, line::int AS line FROM replay_files ORDER BY identity')
      const rejects = await client.query('SELECT identity, line::int AS line, reason FROM rejects ORDER BY identity, line')
      return { events: events.rows, files: files.rows, rejects: rejects.rows }
    } finally {
      await client.end()
    }
  }
  const replay = (file: string, url: string, cwd = mkdtempSync(join(tmpdir(), 'sms-kannel-node-'))) =>
    runCli(['feedback', '--replay', file, '--store', url, '--json'], env(), { cwd, now: NOW })

  it('stores reports given as arguments once, and status shows them', async () => {
    const url = await fresh()
    const queries = ['seq=4711&msgid=a1&dlr=8&time=1795858600', 'seq=4711&msgid=a1&dlr=1&time=1795858642']
    const first = await runCli(['feedback', '--store', url, '--verbose', ...queries], env(), { now: NOW })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toMatch(/2 lines, 2 new, 0 duplicates/)
    expect(first.stderr).not.toContain(server.password)
    const again = await runCli(['feedback', '--store', url, '--verbose', ...queries], env(), { now: NOW })
    expect(again.stderr).toMatch(/2 lines, 0 new, 2 duplicates/)
    const status = await runCli(['status', '4711', '--json', '--store', url], env(), { now: NOW })
    expect(JSON.parse(status.stdout).timelines).toEqual([expect.objectContaining({ messageId: 'a1', result: 'delivered' })])
  })

  it('replays a file once and resumes; bad lines go to the rejects file in the working directory', async () => {
    const file = replayFile(5000)
    const url = await fresh()
    const cwd = mkdtempSync(join(tmpdir(), 'sms-kannel-node-'))
    const first = await replay(file, url, cwd)
    expect(first.code, first.stderr).toBe(65)
    expect(JSON.parse(first.stdout)).toMatchObject({ lines: 5000, new: 4995, duplicates: 0, bad: 5, rejectsFile: 'sms-kannel.rejects' })
    expect(readFileSync(join(cwd, 'sms-kannel.rejects'), 'utf8').trim().split('\n')).toHaveLength(5)
    const second = await replay(file, url, cwd)
    expect(JSON.parse(second.stdout)).toMatchObject({ lines: 0, new: 0, duplicates: 0, bad: 0 })
  })

  it('refuses a replay while another node replays into the same database, and runs once it is done', async () => {
    const file = replayFile(100)
    const url = await fresh()
    const other = new pg.Client({ connectionString: withPassword(url) })
    await other.connect()
    try {
      expect((await replay(file, url)).code).toBe(0)
      // The other node's replay: it holds the database's replay lock.
      await other.query(`SELECT pg_advisory_lock(hashtext('sms-kannel replay'))`)
      const refused = await replay(file, url)
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 75, stderr: expect.stringMatching(/Another replay \(on this node or another\) is using postgres:\/\/sms_test@/) })
      await other.query(`SELECT pg_advisory_unlock(hashtext('sms-kannel replay'))`)
      expect((await replay(file, url)).code).toBe(0)
    } finally {
      await other.end()
    }
  })

  it('two nodes replaying one file at the same time end as one clean run; a copy elsewhere adds nothing', async () => {
    const file = replayFile(30_000)
    const clean = await fresh()
    expect((await replay(file, clean)).code).toBe(65)
    const expected = await contents(clean)

    const shared = await fresh()
    await runCli(['store', 'migrate', '--store', shared], env(), { now: NOW })
    const runs = await Promise.all([replay(file, shared), replay(file, shared)])
    // Each either ran (65: the bad lines; 0 if it came second and found nothing left) or was refused (75).
    for (const run of runs) expect([0, 65, 75], run.stderr).toContain(run.code)
    expect(runs.some((run) => run.code === 65)).toBe(true)
    const added = runs.filter((run) => run.code !== 75).map((run) => JSON.parse(run.stdout).new as number)
    expect(added.reduce((sum, n) => sum + n, 0)).toBe(expected.events.length)
    expect(await contents(shared)).toEqual(expected)

    // The same log copied to another node's disk under another name: a file is known by its
    // first line and head, not its name, so the checkpoint in the database applies there too.
    const copy = join(mkdtempSync(join(tmpdir(), 'sms-kannel-other-node-')), 'access.log.copy')
    copyFileSync(file, copy)
    const elsewhere = await replay(copy, shared)
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({ lines: 0, new: 0 })
    expect(await contents(shared)).toEqual(expected)
  })
})
