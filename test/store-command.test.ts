/** `sms-kannel store migrate` and `store copy`, through the built CLI, against a real PostgreSQL. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from './helpers/postgres.js'
import { makeLegacy } from './helpers/legacy-store.js'
import { runCli } from './helpers/run-cli.js'

const REPORTS = [
  'seq=4711&msgid=0193f1a0-7b2c-7000-8000-000000000001&dlr=8&time=1795858600',
  'seq=4711&msgid=0193f1a0-7b2c-7000-8000-000000000001&dlr=1&time=1795858642',
  'seq=4712&msgid=0193f1a0-7b2c-7000-8000-000000000002&dlr=16&time=1795858650',
]

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sms-kannel-store-cmd-'))
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

describeWithPostgres('sms-kannel store, on PostgreSQL', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  /** The database's URL without the password, which the CLI must get some other way. */
  const withoutPassword = (url: string) => Object.assign(new URL(url), { password: '' }).href

  it.each([
    ['the URL in the config file', (url: string, dir: string) => {
      writeFileSync(join(dir, 'sms-kannel.conf'), `smskannel.store = ${url}\n`)
      return { args: ['--config', join(dir, 'sms-kannel.conf')], env: {} }
    }],
    ['PGPASSWORD', (url: string) => ({ args: ['--store', withoutPassword(url)], env: { PGPASSWORD: server.password } })],
    ['~/.pgpass', (url: string, dir: string) => {
      const { hostname, port, pathname } = new URL(url)
      writeFileSync(join(dir, '.pgpass'), `${hostname}:${port}:${pathname.slice(1)}:${server.role}:${server.password}\n`, { mode: 0o600 })
      return { args: ['--store', withoutPassword(url)], env: { HOME: dir } }
    }],
  ])('migrate creates the schema with the password from %s, and never prints it', async (_, setup) => {
    const url = await server.createDatabase()
    const dir = tempDir()
    const { args, env } = setup(url, dir)
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['store', 'migrate', '--json', ...args], env, { cwd: dir })
      expect(result.stderr).not.toContain(server.password)
      expect(result.stdout).not.toContain(server.password)
      expect({ code: result.code, stdout: JSON.parse(result.stdout) }).toEqual({ code: 0, stdout: { store: expect.stringMatching(/^postgres:\/\/sms_test(:\*+)?@127\.0\.0\.1:\d+\/store_\d+$/) } })
    }
    expect(await query(url, 'SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }])
  })

  it('creates the schema exactly once when several nodes migrate at the same moment', async () => {
    const url = await server.createDatabase()
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(['store', 'migrate', '--store', withoutPassword(url)], { PGPASSWORD: server.password })))
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0])
    expect(await query(url, 'SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }])
  })

  it.each([
    ['a wrong password', (url: URL) => ({ url: url.href, env: { PGPASSWORD: 'Wrong-password-42' }, password: true }), 78, /refused the password/],
    ['no password at all', (url: URL) => ({ url: url.href, env: { HOME: tempDir() }, password: false }), 78, /asks for a password and none was given/],
    ['a database that does not exist', (url: URL) => ({ url: Object.assign(url, { pathname: '/nowhere' }).href, env: { PGPASSWORD: server.password }, password: false }), 78, /database does not exist/],
    ['a port nothing listens on', (url: URL) => ({ url: Object.assign(url, { port: '1' }).href, env: { PGPASSWORD: server.password }, password: false }), 74, /nothing answers at 127\.0\.0\.1:1 /],
    ['a malformed URL', () => ({ url: 'postgres://sms_test@[::1/db', env: {}, password: false }), 78, /not a valid PostgreSQL URL/],
  ])('migrate with %s fails clearly', async (_, wrong, exitCode, message) => {
    const { url, env, password } = wrong(new URL(withoutPassword(await server.createDatabase())))
    const result = await runCli(['store', 'migrate', '--store', url], env)
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: exitCode, stderr: expect.stringMatching(message) })
    expect(result.stderr).not.toMatch(/\n\s+at /)
    if (password) expect(result.stderr).not.toContain('Wrong-password-42')
  })

  it('refuses a password on the command line without printing it', async () => {
    const url = await server.createDatabase()
    for (const args of [['store', 'migrate', '--store', url], ['store', 'copy', url, join(tempDir(), 'copy.db')], ['status', '4711', '--store', url]]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(args[0] === 'store' && args[1] === 'copy' ? 64 : 78)
      expect(result.stderr).toMatch(/command line/)
      expect(result.stderr).not.toContain(server.password)
      expect(result.stderr).not.toContain(encodeURIComponent(server.password))
    }
  })

  it('config shows the store URL with its password hidden', async () => {
    const url = await server.createDatabase()
    const dir = tempDir()
    writeFileSync(join(dir, 'sms-kannel.conf'), `smskannel.gwurl = http://127.0.0.1:13013\nsmskannel.user = tester\nsmskannel.store = ${url}\n`)
    const result = await runCli(['config', '--json', '--config', join(dir, 'sms-kannel.conf')], { SMSKANNEL_PASSWORD: 'kannel-password' })
    expect(result.stdout + result.stderr).not.toContain(server.password)
    const effective = JSON.parse(result.stdout).effective as Array<{ key: string; value: string }>
    expect(effective.find((entry) => entry.key === 'smskannel.store')?.value).toBe(withoutPassword(url).replace('sms_test@', 'sms_test:********@'))
  })

  it('copies an SQLite store into PostgreSQL and back, idempotently, keeping every timeline', async () => {
    const dir = tempDir()
    const sqlite = join(dir, 'events.db')
    const stored = await runCli(['feedback', '--store', sqlite, ...REPORTS])
    expect(stored.code, stored.stderr).toBe(0)
    const before = await runCli(['status', '4711', '--json', '--store', sqlite])
    expect(before.code, before.stderr).toBe(0)

    const url = withoutPassword(await server.createDatabase())
    const env = { PGPASSWORD: server.password }
    const copied = await runCli(['store', 'copy', '--json', sqlite, url], env)
    expect(copied.code, copied.stderr).toBe(0)
    expect(JSON.parse(copied.stdout).tables).toEqual({ sends: { read: 0, new: 0 }, events: { read: 3, new: 3 }, replay_files: { read: 0, new: 0 }, rejects: { read: 0, new: 0 } })
    const again = await runCli(['store', 'copy', '--json', sqlite, url], env)
    expect(JSON.parse(again.stdout).tables.events).toEqual({ read: 3, new: 0 })
    expect(await query(withoutPassword(url).replace('sms_test@', `sms_test:${server.password}@`), 'SELECT count(*)::int AS n FROM events')).toEqual([{ n: 3 }])

    // status reads the PostgreSQL store as it read the SQLite one.
    const fromPostgres = await runCli(['status', '4711', '--json', '--store', url], env)
    expect(fromPostgres.code, fromPostgres.stderr).toBe(0)
    expect(JSON.parse(fromPostgres.stdout)).toEqual(JSON.parse(before.stdout))
    const unknown = await runCli(['status', '9999', '--store', url], env)
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 65, stderr: expect.stringMatching(/The store postgres:\/\/sms_test@127\.0\.0\.1:\d+\/store_\d+ knows no send or delivery report for 9999/) })

    const back = join(dir, 'back.db')
    const returned = await runCli(['store', 'copy', url, back], env)
    expect(returned.code, returned.stderr).toBe(0)
    expect(returned.stderr).toMatch(/copied postgres:\/\/sms_test@.* to .*back\.db: 0 sends \(0 new\), 3 events \(3 new\)/)
    const after = await runCli(['status', '4711', '--json', '--store', back])
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout))
  })

  it('copies a store from before ids came from meaning so that replaying its old logs into the copy, or back, stores nothing twice', async () => {
    const dir = tempDir()
    const sqlite = join(dir, 'events.db')
    const health = (minute: number) => `10.1.2.3 - - [28/Nov/2026:09:${minute}:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "monitor"`
    const lines = [
      // With our message id, as an access-log line; without one (another sender's dlr-url); a bearerbox line of the default format.
      `203.0.113.9 - - [28/Nov/2026:10:16:54 +0000] "GET /smsKannelfeedback?${REPORTS[0]} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`,
      REPORTS[1]!,
      'seq=4800&dlr=1&time=1795858660&smscmsgid=abc&recipient=%2B491701234567',
      '2026-11-28 09:38:09 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:] [META:?orig_msg?dlr_mask=31&] [from:13013] [to:600] [flags:-1:-1:-1:-1:8] [msg:4:ACK/] [udh:0:]',
    ]
    const log = join(dir, 'access.log')
    writeFileSync(log, `${[health(10), ...lines].join('\n')}\n`)
    expect(JSON.parse((await runCli(['feedback', '--replay', log, '--json', '--store', sqlite])).stdout)).toMatchObject({ new: 4 })
    makeLegacy(sqlite)
    // The same reports saved again under another name (another first line), and one made since.
    // A bearerbox line without any id is known by its text and line number, so they stay in place.
    const again = join(dir, 'again.log')
    writeFileSync(again, [health(20), ...lines, 'seq=77&msgid=0193f1a0-7b2c-7000-8000-0000000000ff&dlr=1&time=1895858642'].join('\n') + '\n')
    const replayAgain = async (store: string, env: Record<string, string> = {}) => {
      const run = await runCli(['feedback', '--replay', again, '--json', '--store', store, '--rejects', join(dir, 'rejects')], env)
      expect(run.code, run.stderr).toBe(0)
      return JSON.parse(run.stdout)
    }

    const url = withoutPassword(await server.createDatabase())
    const env = { PGPASSWORD: server.password }
    const copied = await runCli(['store', 'copy', '--json', sqlite, url], env)
    expect(JSON.parse(copied.stdout).tables.events, copied.stderr).toEqual({ read: 4, new: 4 })
    expect(JSON.parse((await runCli(['store', 'copy', '--json', sqlite, url], env)).stdout).tables.events).toEqual({ read: 4, new: 0 })
    const back = join(dir, 'back.db')
    expect((await runCli(['store', 'copy', url, back], env)).code).toBe(0)

    // The old store, its PostgreSQL copy and the copy back each take only the new report.
    for (const [store, storeEnv] of [[sqlite, {}], [url, env], [back, {}]] as const) {
      expect(await replayAgain(store, storeEnv), store).toMatchObject({ lines: 6, new: 1, duplicates: 4 })
    }
    // The same timelines; the copies know the old reports by their current ids.
    const withoutIds = (stdout: string) => JSON.parse(stdout, (key, value) => (key === 'eventId' ? undefined : value))
    const timelines = await Promise.all([sqlite, url, back].map(async (store) => withoutIds((await runCli(['status', '4711', '--json', '--store', store], env)).stdout)))
    expect(timelines[0].timelines[0].steps).toHaveLength(2)
    expect(timelines[1]).toEqual(timelines[0])
    expect(timelines[2]).toEqual(timelines[0])
  })

  it('works with a role that has only the privileges the README lists, once the schema exists', async () => {
    const owner = new URL(await server.createDatabase())
    const migrated = await runCli(['store', 'migrate', '--store', withoutPassword(owner.href)], { PGPASSWORD: server.password })
    expect(migrated.code, migrated.stderr).toBe(0)
    const database = owner.pathname.slice(1)
    await server.asSuperuser(database, [
      `CREATE ROLE ${database}_writer LOGIN PASSWORD 'Writer-pw-1'`,
      `GRANT SELECT, INSERT, UPDATE ON sends, events, replay_files, rejects TO ${database}_writer`,
      `GRANT SELECT ON schema_version TO ${database}_writer`,
    ])
    const dir = tempDir()
    const sqlite = join(dir, 'events.db')
    expect((await runCli(['feedback', '--store', sqlite, ...REPORTS])).code).toBe(0)
    const writer = Object.assign(new URL(owner.href), { username: `${database}_writer`, password: '' }).href
    for (const args of [['store', 'migrate', '--store', writer], ['store', 'copy', sqlite, writer]]) {
      const result = await runCli(args, { PGPASSWORD: 'Writer-pw-1' })
      expect(result.code, result.stderr).toBe(0)
    }
  })

  it('copy refuses a missing source instead of creating it', async () => {
    const dir = tempDir()
    const result = await runCli(['store', 'copy', join(dir, 'missing.db'), join(dir, 'to.db')])
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 65, stderr: expect.stringMatching(/no store at .*missing\.db/) })
  })
})
