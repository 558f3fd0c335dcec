/**
 * report and check on a PostgreSQL store, through the built CLI: the same sends and reports,
 * stored into SQLite and copied into a real PostgreSQL, give the same output byte for byte.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from './helpers/postgres.js'
import { makeReportStore, mixedPins } from './helpers/report-store.js'
import { runCli } from './helpers/run-cli.js'

const START = '2026-11-28T08:00:00Z'
const NOW = '2026-11-28T12:00:00.000Z'
const startSeconds = Date.parse(START) / 1000

describeWithPostgres('report and check on PostgreSQL', () => {
  let server: PostgresServer
  let sqlite: string
  let postgres: string
  const env: Record<string, string> = {}
  /** The database's URL without the password, which comes from PGPASSWORD. */
  const withoutPassword = (url: string) => Object.assign(new URL(url), { password: '' }).href

  beforeAll(async () => {
    ;[server, sqlite] = await Promise.all([startPostgres(), makeReportStore(START, mixedPins(START, 400))])
    // Reports without a message id (each a PIN of its own), one of them with no time at all.
    const orphans = [`seq=91&dlr=1&time=${startSeconds + 7200}&smsc=smpp1`, `seq=92&dlr=16&time=${startSeconds + 7300}&reply=NACK%2F11%2FInvalid`, 'seq=93&dlr=2&smsc=smpp2']
    const fed = await runCli(['feedback', '--store', sqlite, ...orphans])
    expect(fed.code, fed.stderr).toBe(0)
    postgres = withoutPassword(await server.createDatabase())
    const copied = await runCli(['store', 'copy', sqlite, postgres], { PGPASSWORD: server.password })
    expect(copied.code, copied.stderr).toBe(0)
  }, 60_000)
  afterAll(() => server?.stop())

  it.each([
    ['report --json, hourly over the 4 hours', ['report', '--since', '4h', '--json']],
    ['report --json, by minute over odd edges', ['report', '--since', '2026-11-28 09:13', '--until', '2026-11-28 10:47', '--by', 'minute', '--json']],
    ['report --json, by day in Berlin', ['report', '--since', '7d', '--tz', 'Europe/Berlin', '--json']],
    ['report --csv, a span with nothing in it', ['report', '--since', '2026-11-20', '--until', '2026-11-21', '--csv']],
    ['the table', ['report', '--since', '6h']],
    ['check, thresholds that warn', ['check', '--window', '4h', '--warn-rate', '95', '--crit-rate', '10', '--warn-latency', '10s', '--max-pending', '500']],
    ['check --json, thresholds that are critical', ['check', '--window', '1h', '--crit-rate', '99', '--max-pending', '1', '--json']],
    ['check over the last 15 minutes, no thresholds', ['check', '--window', '15m']],
  ])('%s: the same output from both stores', async (_, args) => {
    const fromSqlite = await runCli([...args, '--store', sqlite], env, { now: NOW })
    const fromPostgres = await runCli([...args, '--store', postgres], { ...env, PGPASSWORD: server.password }, { now: NOW })
    expect(fromSqlite.stderr).toBe('')
    expect(fromPostgres).toMatchObject({ code: fromSqlite.code, stdout: fromSqlite.stdout, stderr: '' })
    expect(fromSqlite.stdout.length).toBeGreaterThan(40)
  })

  it('the figures are not trivial: PINs of every outcome, from both kinds of report', async () => {
    const run = await runCli(['report', '--since', '6h', '--json', '--store', postgres], { ...env, PGPASSWORD: server.password }, { now: NOW })
    const { total, failuresByReason, bySmsc } = JSON.parse(run.stdout)
    expect(total.delivered).toBeGreaterThan(20)
    expect(total.failed).toBeGreaterThan(20)
    expect(total.pending).toBeGreaterThan(20)
    expect(total.notSent).toBeGreaterThan(2)
    expect(failuresByReason.length).toBeGreaterThan(2)
    expect(bySmsc.map((row: { smsc: string | null }) => row.smsc)).toEqual(expect.arrayContaining(['smpp1', 'smpp2', 'fake1']))
  })

  it('a monitoring role with exactly the README\'s grant gets what the owner gets from check, report and status', async () => {
    const grant = /^GRANT SELECT ON (.+) TO monitor;$/m.exec(readFileSync(new URL('../README.md', import.meta.url), 'utf8'))
    expect(grant, 'the README\'s grant for a monitoring role').not.toBeNull()
    const database = new URL(postgres).pathname.slice(1)
    const role = `${database}_monitor`
    await server.asSuperuser(database, [`CREATE ROLE ${role} LOGIN PASSWORD 'Monitor-pw-1'`, `GRANT SELECT ON ${grant![1]} TO ${role}`])
    const monitor = Object.assign(new URL(postgres), { username: role }).href
    for (const args of [['check', '--window', '4h', '--warn-rate', '95', '--crit-rate', '10'], ['report', '--since', '6h', '--json'], ['status', '0001'], ['status', '91']]) {
      const asOwner = await runCli([...args, '--store', postgres], { PGPASSWORD: server.password }, { now: NOW })
      const asMonitor = await runCli([...args, '--store', monitor], { PGPASSWORD: 'Monitor-pw-1' }, { now: NOW })
      expect(asOwner.stdout.length, args.join(' ')).toBeGreaterThan(40)
      expect(asMonitor, args.join(' ')).toMatchObject({ code: asOwner.code, stdout: asOwner.stdout, stderr: '' })
    }
  })

  it('a wrong password is UNKNOWN for check and a configuration error for report, and never printed', async () => {
    const checked = await runCli(['check', '--store', postgres], { ...env, PGPASSWORD: 'wrong-pw-1' }, { now: NOW })
    expect(checked).toMatchObject({ code: 3, stdout: expect.stringMatching(/^SMS-KANNEL UNKNOWN - .*refused the password/) })
    const reported = await runCli(['report', '--store', postgres], { ...env, PGPASSWORD: 'wrong-pw-1' }, { now: NOW })
    expect(reported).toMatchObject({ code: 78, stderr: expect.stringMatching(/refused the password/) })
    expect(checked.stdout + reported.stderr).not.toContain('wrong-pw-1')
  })
})
