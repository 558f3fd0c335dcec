/** serve on a PostgreSQL store: its journal, a killed node, a restarted database, two nodes. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import pg from 'pg'
import { eventCounts } from '../helpers/pg-events.js'
import { streamCallbacks, trackServes, type ServeProcess } from '../helpers/serve-process.js'

const alive = (serve: ServeProcess) => () => serve.child.exitCode === null && serve.child.signalCode === null
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const { start: startServe, killLeft } = trackServes()

describeWithPostgres('serve on a PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())
  afterEach(killLeft)

  /** A node: its own journal directory; the store's URL (password included) in the environment, never in argv. */
  const node = (url: string, extra: Record<string, string> = {}) => ({ SMSKANNEL_STORE: url, SMSKANNEL_JOURNAL: join(mkdtempSync(join(tmpdir(), 'sms-kannel-pg-node-')), 'serve.journal'), ...extra })
  const journalFiles = (journal: string) => readdirSync(join(journal, '..')).filter((name) => /^serve\.journal\.\d+$/.test(name))

  const notStoredOnce = (counts: Map<string, number>, ids: readonly string[]) => ids.filter((id) => counts.get(id) !== 1)

  async function stop(serve: ServeProcess) {
    serve.child.kill('SIGTERM')
    expect(await serve.exited, serve.stderr()).toBe(0)
  }

  it('stores each callback in the database before its 200; status on another process shows it; SIGTERM deletes the journal', async () => {
    const url = await server.createDatabase()
    const env = node(url)
    const serve = await startServe([], env)
    expect(serve.stderr()).toMatch(new RegExp(`listening on .* \\(store postgres://sms_test:\\*{8}@127\\.0\\.0\\.1:${server.port}/store_\\d+, durability full, journal ${env.SMSKANNEL_JOURNAL}\\)`))
    for (const dlr of [8, 1]) {
      const response = await request(`${serve.base}/smsKannelfeedback?seq=5101&msgid=pg-1&dlr=${dlr}&time=${1795858640 + dlr}`)
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'OK\n'])
    }
    const status = await runCli(['status', '5101', '--json'], { SMSKANNEL_STORE: url })
    expect(JSON.parse(status.stdout).timelines).toEqual([expect.objectContaining({ messageId: 'pg-1', result: 'delivered' })])
    const health = await request(`${serve.base}/healthz`)
    expect([health.statusCode, await health.body.text()]).toEqual([200, '{"status":"ok"}\n'])
    await stop(serve)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toEqual([])
    expect(serve.stderr()).not.toContain(server.password)
  }, 30_000)

  it('keeps its journal in $STATE_DIRECTORY by default, one serve per journal', async () => {
    const url = await server.createDatabase()
    const state = mkdtempSync(join(tmpdir(), 'sms-kannel-pg-state-'))
    const first = await startServe([], { SMSKANNEL_STORE: url, STATE_DIRECTORY: state })
    const journal = join(state, `serve-127.0.0.1-${new URL(url).port}-${new URL(url).pathname.slice(1)}.journal`)
    expect(first.stderr()).toContain(`journal ${journal})`)
    expect(existsSync(`${journal}.lock`)).toBe(true)
    const second = await runCli(['serve', '--listen', '127.0.0.1:0'], { SMSKANNEL_STORE: url, STATE_DIRECTORY: state })
    expect(second.code).toBe(75)
    expect(second.stderr).toMatch(new RegExp(`Another serve \\(pid ${first.child.pid}\\) is receiving callbacks into postgres://.* with the journal ${journal}`))
    await stop(first)
    // Without a state directory or a home, there is no default: say where to set one.
    const nowhere = await runCli(['serve', '--listen', '127.0.0.1:0'], { SMSKANNEL_STORE: url })
    expect(nowhere.code).toBe(78)
    expect(nowhere.stderr).toMatch(/serve has no place for its journal.*\n.*smskannel\.journal/)
  }, 30_000)

  it.each([
    ['a wrong password', (url: URL) => Object.assign(url, { password: 'wrong' }), 78, /PostgreSQL refused the password/],
    ['a database that does not exist', (url: URL) => Object.assign(url, { pathname: '/nowhere' }), 78, /the database does not exist/],
    ['a URL that does not parse', () => 'postgres://sms_test:pw@[bad/x', 78, /not a valid PostgreSQL URL/],
  ])('refuses to start with %s: a clear message and exit code, no journal left', async (_name, wrong, code, message) => {
    const env = node(String(wrong(new URL(await server.createDatabase()))))
    const run = await runCli(['serve', '--listen', '127.0.0.1:0'], env)
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: expect.stringMatching(message) })
    expect(run.stderr).not.toMatch(/unexpected failure|at .*\.cjs:\d+|Test-pw/)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toEqual([])
  }, 30_000)

  it.each(['full', 'normal'])('killed with SIGKILL under load (durability %s): every callback answered 200 is in the database after the restart', async (durability) => {
    const url = await server.createDatabase()
    const env = node(url, { SMSKANNEL_DURABILITY: durability })
    const serve = await startServe([], env)
    const stream = streamCallbacks(serve.base, { connections: 32, prefix: 'kill', alive: alive(serve) })
    await pause(800 + Math.random() * 700)
    serve.child.kill('SIGKILL')
    expect(await serve.exited).toBe('SIGKILL')
    await stream.stop()
    expect(stream.acknowledged.length, 'callbacks answered 200 before the kill').toBeGreaterThan(200)

    // What the kill left in the journal goes into the database at the next start.
    const again = await startServe([], env)
    for (let tries = 0; tries < 50 && !/Callbacks are kept/.test(again.stderr()); tries++) await pause(100)
    expect(again.stderr()).toMatch(/journal: \d+ callback\(s\) from before the last stop, \d+ of them not yet in the store, now stored/)
    await stop(again)
    expect(notStoredOnce(await eventCounts(url), stream.acknowledged)).toEqual([])
  }, 60_000)

  it('PostgreSQL restarted under load: callbacks go on being answered 200, and the journal drains into the database without a serve restart', async () => {
    const url = await server.createDatabase()
    const env = node(url)
    const serve = await startServe([], env)
    const stream = streamCallbacks(serve.base, { connections: 32, prefix: 'restart', alive: alive(serve) })
    await pause(500)
    const beforeRestart = stream.acknowledged.length
    await server.restart()
    await pause(500)
    const atRestart = stream.acknowledged.length
    // Load goes on while the drain begins (it retries every 5 s at most), then the backlog is stored.
    await pause(1500)
    await stream.stop()
    for (let tries = 0; tries < 200 && !/journal: the database is back/.test(serve.stderr()); tries++) await pause(200)
    expect(beforeRestart, 'answered before the restart').toBeGreaterThan(50)
    expect(stream.acknowledged.length, 'answered after the restart').toBeGreaterThan(atRestart)
    expect(serve.stderr()).toMatch(/warning: The event store .* cannot be used: .*Callbacks are kept in the journal and answered 200/)
    expect(serve.stderr().match(/Callbacks are kept in the journal/g)).toHaveLength(1)
    expect(serve.stderr()).toMatch(/200 queued in the journal \(database unreachable\)/)
    expect(serve.stderr()).toMatch(/journal: the database is back; the \d+ callback\(s\) kept in the journal alone meanwhile are stored/)
    expect([...stream.refused], 'answers other than 200').toEqual([])
    // Stored while serve still runs, and the backlog gone from the journal and from /metrics.
    expect(notStoredOnce(await eventCounts(url), stream.acknowledged)).toEqual([])
    const metrics = await request(`${serve.base}/metrics`)
    expect(await metrics.body.text()).toMatch(/^sms_kannel_journal_pending_bytes 0$/m)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toHaveLength(1)
    await stop(serve)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toEqual([])
  }, 90_000)

  it('a quiet node notices a database restart on its own and stores again what the database may have lost', async () => {
    const url = await server.createDatabase()
    const env = node(url)
    const serve = await startServe([], env)
    const ids = Array.from({ length: 30 }, (_, i) => `quiet-${i}`)
    for (const id of ids) {
      const response = await request(`${serve.base}/smsKannelfeedback?seq=1&msgid=${id}&dlr=1&time=1795858642`)
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'OK\n'])
    }
    // Committed without waiting for the server's disk: an immediate stop may lose the last of them.
    await server.restart()
    for (let tries = 0; tries < 200 && !/journal: the database is back/.test(serve.stderr()); tries++) await pause(200)
    expect(serve.stderr()).toMatch(/warning: The event store .* restarted \(at .*\): reports stored just before may be lost, and are stored again from the journal\./)
    expect(serve.stderr()).toMatch(/journal: the database is back; the \d+ callback\(s\) kept in the journal alone meanwhile are stored/)
    expect(notStoredOnce(await eventCounts(url), ids)).toEqual([])
    await stop(serve)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toEqual([])
  }, 60_000)

  it('while the database is down: /healthz stays 200, /metrics shows the backlog, SIGTERM keeps the journal; a start while it is still down takes callbacks too; the journal is stored when it is back', async () => {
    const url = await server.createDatabase()
    const env = node(url)
    const serve = await startServe([], env)
    // Its own database dropped under it: every write fails until it is there again.
    await server.asSuperuser('postgres', [`ALTER DATABASE ${new URL(url).pathname.slice(1)} ALLOW_CONNECTIONS false`, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${new URL(url).pathname.slice(1)}'`])
    const ids = Array.from({ length: 20 }, (_, i) => `down-${i}`)
    for (const id of ids) {
      const response = await request(`${serve.base}/smsKannelfeedback?seq=1&msgid=${id}&dlr=1&time=1795858642`)
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'OK\n'])
    }
    const health = await request(`${serve.base}/healthz`)
    expect(health.statusCode).toBe(200)
    await health.body.text()
    const metrics = await (await request(`${serve.base}/metrics`)).body.text()
    expect(Number(/^sms_kannel_journal_pending_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(20 * 60)
    expect(metrics).toMatch(/sms_kannel_callbacks_total\{type="delivered",result="queued"\} 20/)
    await stop(serve)
    expect(serve.stderr()).toMatch(/the database has not taken every callback kept in the journal .*; they are stored at the next start/)
    expect(journalFiles(env.SMSKANNEL_JOURNAL).length).toBeGreaterThan(0)

    // Started again while the database is still down: it takes callbacks into the journal alone.
    const again = await startServe([], env)
    for (let tries = 0; tries < 50 && !/Callbacks are kept/.test(again.stderr()); tries++) await pause(100)
    expect(again.stderr()).toMatch(/warning: The event store .* cannot be used: .*\. Callbacks are kept in the journal and answered 200/)
    const more = Array.from({ length: 5 }, (_, i) => `down-again-${i}`)
    for (const id of more) {
      const response = await request(`${again.base}/smsKannelfeedback?seq=1&msgid=${id}&dlr=1&time=1795858642`)
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'OK\n'])
    }
    await server.asSuperuser('postgres', [`ALTER DATABASE ${new URL(url).pathname.slice(1)} ALLOW_CONNECTIONS true`])
    for (let tries = 0; tries < 200 && !/journal: the database is back/.test(again.stderr()); tries++) await pause(200)
    expect(again.stderr()).toMatch(/journal: the database is back; the 25 callback\(s\) kept in the journal alone meanwhile are stored/)
    expect(notStoredOnce(await eventCounts(url), [...ids, ...more])).toEqual([])
    await stop(again)
    expect(journalFiles(env.SMSKANNEL_JOURNAL)).toEqual([])

    // And a database that is there at start: the journal left by a stop is stored before anything else.
    const leftover = node(url)
    const first = await startServe([], leftover)
    await server.asSuperuser('postgres', [`ALTER DATABASE ${new URL(url).pathname.slice(1)} ALLOW_CONNECTIONS false`, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${new URL(url).pathname.slice(1)}'`])
    const late = await request(`${first.base}/smsKannelfeedback?seq=1&msgid=late-1&dlr=1&time=1795858642`)
    expect(late.statusCode).toBe(200)
    await late.body.text()
    await stop(first)
    await server.asSuperuser('postgres', [`ALTER DATABASE ${new URL(url).pathname.slice(1)} ALLOW_CONNECTIONS true`])
    const second = await startServe([], leftover)
    expect(second.stderr()).toMatch(/journal: \d+ callback\(s\) from before the last stop, 1 of them not yet in the store, now stored/)
    await stop(second)
    expect(notStoredOnce(await eventCounts(url), ['late-1'])).toEqual([])
  }, 90_000)

  it('keeps a backlog in the default journal of its own database: a serve for another database in the same state directory leaves it', async () => {
    const [first, other] = [await server.createDatabase(), await server.createDatabase()]
    const state = mkdtempSync(join(tmpdir(), 'sms-kannel-pg-state-'))
    const database = new URL(first).pathname.slice(1)
    const serve = await startServe([], { SMSKANNEL_STORE: first, STATE_DIRECTORY: state })
    await server.asSuperuser('postgres', [`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`])
    for (const id of ['own-db-1', 'own-db-2']) {
      const response = await request(`${serve.base}/smsKannelfeedback?seq=1&msgid=${id}&dlr=1&time=1795858642`)
      expect(response.statusCode).toBe(200)
      await response.body.text()
    }
    await stop(serve)
    await server.asSuperuser('postgres', [`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`])

    // The same user, the same state directory, another database: its journal is its own.
    await stop(await startServe([], { SMSKANNEL_STORE: other, STATE_DIRECTORY: state }))
    expect(notStoredOnce(await eventCounts(other), ['own-db-1', 'own-db-2'])).toEqual(['own-db-1', 'own-db-2'])
    const back = await startServe([], { SMSKANNEL_STORE: first, STATE_DIRECTORY: state })
    await stop(back)
    expect(notStoredOnce(await eventCounts(first), ['own-db-1', 'own-db-2'])).toEqual([])

    // An earlier version's default journal, for any database: named, never stored into this one.
    writeFileSync(join(state, 'serve.journal.00000001'), '')
    const warned = await startServe([], { SMSKANNEL_STORE: other, STATE_DIRECTORY: state })
    await stop(warned)
    expect(warned.stderr()).toContain(`warning: ${join(state, 'serve.journal')} holds callbacks kept by an earlier serve, whose default journal was not named after its database`)
  }, 60_000)

  it('--forward passes each new report on from the database, and marks it there', async () => {
    const url = await server.createDatabase()
    const received: string[] = []
    const target = createServer((request, response) => {
      received.push(request.url ?? '')
      response.end('OK')
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    try {
      const serve = await startServe(['--forward', `http://127.0.0.1:${(target.address() as AddressInfo).port}/vlx`], node(url))
      for (const id of ['fw-1', 'fw-2', 'fw-1']) {
        const response = await request(`${serve.base}/smsKannelfeedback?seq=3&msgid=${id}&dlr=1&time=1795858642`)
        expect(response.statusCode).toBe(200)
        await response.body.text()
      }
      for (let tries = 0; tries < 50 && received.length < 2; tries++) await pause(100)
      await stop(serve)
      expect(received.sort()).toEqual(['/vlx?seq=3&msgid=fw-1&dlr=1&time=1795858642', '/vlx?seq=3&msgid=fw-2&dlr=1&time=1795858642'])
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      const { rows } = await client.query<{ state: string }>('SELECT forward_state AS state FROM events').finally(() => client.end())
      expect(rows.map((row) => row.state)).toEqual(['done', 'done'])
    } finally {
      target.close()
    }
  }, 30_000)

  it('two nodes on one database: the same callbacks sent to both are stored once each', async () => {
    const url = await server.createDatabase()
    const [a, b] = await Promise.all([startServe([], node(url)), startServe([], node(url))])
    const ids = Array.from({ length: 200 }, (_, i) => `both-${i}`)
    const answers = await Promise.all(
      ids.flatMap((id) =>
        [a, b].map(async (serve) => {
          const response = await request(`${serve.base}/smsKannelfeedback?seq=7&msgid=${id}&dlr=1&time=1795858642`)
          await response.body.text()
          return response.statusCode
        }),
      ),
    )
    expect(new Set(answers)).toEqual(new Set([200]))
    await Promise.all([stop(a), stop(b)])
    const counts = await eventCounts(url)
    expect(notStoredOnce(counts, ids)).toEqual([])
    expect(counts.size).toBe(ids.length)
    const news = (serve: ServeProcess) => serve.stderr().match(/200 new:/g)?.length ?? 0
    expect(news(a) + news(b), 'stored as new by one node or the other, never both').toBe(ids.length)
  }, 30_000)
})
