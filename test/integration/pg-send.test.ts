/** send records into a PostgreSQL store; status on "another node" shows the PIN delivered. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, uniqueToken, waitForMessage } from './messages.js'

describeWithKannel('send through a real Kannel into a PostgreSQL store', () => {
  describeWithPostgres('with PostgreSQL', () => {
    let stack: KannelStack
    let server: PostgresServer
    beforeAll(async () => {
      ;[stack, server] = await Promise.all([startKannel(), startPostgres()])
    })
    afterAll(async () => {
      await Promise.all([stack?.stop(), server?.stop()])
    })

    const storeUrl = async () => Object.assign(new URL(await server.createDatabase()), { password: '' }).href

    it('records the wrapper\'s send; its reports, stored on another node, complete the timeline', async () => {
      const store = await storeUrl()
      const sequence = uniqueToken()
      const sent = await runCli([], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN 123456 ${sequence}`, VLXPIN_SEQUENCE: sequence, SMSKANNEL_STORE: store, PGPASSWORD: server.password }))
      expect({ code: sent.code, stdout: sent.stdout, stderr: sent.stderr }).toEqual({ code: 0, stdout: '', stderr: '' })
      await waitForMessage(stack, sequence)
      const reports = await stack.waitFor('the delivered report', () => {
        const mine = stack.dlrs.filter((dlr) => dlr.query.get('seq') === sequence)
        return mine.some((dlr) => dlr.query.get('dlr') === '1') ? mine : undefined
      })
      const stored = await runCli(['feedback', '--store', store, ...reports.map((dlr) => dlr.target.slice(dlr.target.indexOf('?') + 1))], { PGPASSWORD: server.password })
      expect(stored.code, stored.stderr).toBe(0)
      const status = await runCli(['status', sequence, '--json', '--store', store], { PGPASSWORD: server.password })
      expect(status.code, status.stderr).toBe(0)
      const [timeline] = JSON.parse(status.stdout).timelines
      expect(timeline).toMatchObject({ sequence, recipient: expect.stringMatching(/\*/), result: 'delivered' })
      expect(timeline.steps[0]).toMatchObject({ what: 'sent' })
    })

    it('still sends the PIN when the database is unreachable, and keeps the record in the user\'s state directory', async () => {
      const home = mkdtempSync(join(tmpdir(), 'sms-kannel-home-'))
      const down = Object.assign(new URL(await storeUrl()), { port: '1' }).href
      const token = uniqueToken()
      const sent = await runCli(['send', '--to', '+491701234567', '--text', `PIN 654321 ${token}`, '--store', down], gatewayEnv(stack, { PGPASSWORD: server.password, HOME: home }))
      expect(sent.code).toBe(0)
      expect(sent.stderr).toMatch(/not recorded in the event store now\. The event store postgres:\/\/sms_test@127\.0\.0\.1:1\/store_\d+ cannot be used: nothing answers/)
      expect(sent.stderr).toContain(`Kept in ${home}/.local/state/sms-kannel/127.0.0.1-1-store_`)
      await waitForMessage(stack, token)
    })

    it('names the state directory and what to set when the spool cannot be written there', async () => {
      const down = Object.assign(new URL(await storeUrl()), { port: '1' }).href
      // Under a regular file: no directory can be made there, whoever runs the test.
      const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-home-')), 'not-a-directory')
      writeFileSync(file, '')
      const token = uniqueToken()
      const sent = await runCli(['send', '--to', '+491701234567', '--text', `PIN 777888 ${token}`, '--store', down], gatewayEnv(stack, { PGPASSWORD: server.password, XDG_STATE_HOME: `${file}/state` }))
      expect(sent.code, sent.stderr).toBe(0)
      expect(sent.stderr).toContain(`. The spool ${file}/state/sms-kannel/127.0.0.1-1-store_`)
      expect(sent.stderr).toContain(`The record is lost; give this user a writable ${file}/state/sms-kannel, or set XDG_STATE_HOME (or HOME) to a directory it can write.`)
      expect(sent.stderr).not.toContain(server.password)
      await waitForMessage(stack, token)
    })

    it('keeps sends while the database is stopped; the next command once it runs again stores them, once', async () => {
      const store = await storeUrl()
      const home = mkdtempSync(join(tmpdir(), 'sms-kannel-home-'))
      const env = { PGPASSWORD: server.password, HOME: home }
      expect((await runCli(['store', 'migrate', '--store', store], env)).code).toBe(0)
      const spool = join(home, '.local', 'state', 'sms-kannel', `127.0.0.1-${server.port}-${new URL(store).pathname.slice(1)}.spool`)
      const sequences = [uniqueToken(), uniqueToken()]
      await server.halt()
      try {
        for (const sequence of sequences) {
          const sent = await runCli([], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN 111222 ${sequence}`, VLXPIN_SEQUENCE: sequence, SMSKANNEL_STORE: store, ...env }))
          // The wrapper's exit status is the send's; the warning goes to stderr.
          expect(sent.code, sent.stderr).toBe(0)
          expect(sent.stderr).toContain(`Kept in ${spool}`)
          expect(sent.stderr).not.toContain(server.password)
        }
        await Promise.all(sequences.map((sequence) => waitForMessage(stack, sequence)))
        expect(statSync(spool).mode & 0o777).toBe(0o600)
        expect(statSync(join(spool, '..')).mode & 0o777).toBe(0o700)
        expect(readFileSync(spool, 'utf8').split('\n').filter(Boolean)).toHaveLength(2)
      } finally {
        await server.start()
      }
      // Any command that opens the store (here status, on this node as this user) stores them.
      for (const sequence of sequences) {
        const status = await runCli(['status', sequence, '--json', '--store', store], env)
        expect(status.code, status.stderr).toBe(0)
        expect(JSON.parse(status.stdout).timelines).toEqual([expect.objectContaining({ sequence, recipient: expect.stringMatching(/\*/) })])
      }
      expect(existsSync(spool)).toBe(false)
      expect(readdirSync(join(spool, '..'))).toEqual([])
      // Seen from another node (no spool there): the database holds both sends, once each.
      const elsewhere = await runCli(['status', sequences[0]!, '--json', '--store', store], { PGPASSWORD: server.password, HOME: mkdtempSync(join(tmpdir(), 'sms-kannel-home-')) })
      expect(JSON.parse(elsewhere.stdout).timelines).toHaveLength(1)
    })

    /** Sends a PIN through the wrapper's call with the store at `store`; the run and how long it took. */
    const sendTimed = async (store: string, home: string) => {
      const sequence = uniqueToken()
      const started = performance.now()
      const sent = await runCli([], gatewayEnv(stack, { VLXSMS: '+491701234567', VLXPIN_TEXT: `PIN 333444 ${sequence}`, VLXPIN_SEQUENCE: sequence, SMSKANNEL_STORE: store, PGPASSWORD: server.password, HOME: home }))
      return { sequence, sent, seconds: (performance.now() - started) / 1000 }
    }
    const spoolOf = (home: string, store: string) => {
      const url = new URL(store)
      return join(home, '.local', 'state', 'sms-kannel', `127.0.0.1-${url.port}-${url.pathname.slice(1)}.spool`)
    }
    /** The next command, once the database answers again, stores the spooled send exactly once. */
    const expectStoredOnce = async (store: string, home: string, sequence: string) => {
      const status = await runCli(['status', sequence, '--json', '--store', store], { PGPASSWORD: server.password, HOME: home })
      expect(status.code, status.stderr).toBe(0)
      expect(JSON.parse(status.stdout).timelines).toEqual([expect.objectContaining({ sequence })])
      expect(existsSync(spoolOf(home, store))).toBe(false)
      const { rows } = await query(store, 'SELECT count(*)::int AS n FROM sends WHERE sequence = $1', [sequence])
      expect(rows).toEqual([{ n: 1 }])
    }
    const query = async (store: string, text: string, values: unknown[] = []) => {
      const client = new pg.Client({ connectionString: Object.assign(new URL(store), { password: server.password }).href })
      await client.connect()
      try {
        return await client.query(text, values)
      } finally {
        await client.end()
      }
    }

    // The wrapper waits for send's exit and may retry, which would send a second PIN.
    it.each([
      ['a migration elsewhere holds the schema lock', false, `SELECT pg_advisory_xact_lock(hashtext('sms-kannel schema'))`],
      ['another session holds the sends table locked', true, 'LOCK TABLE sends IN ACCESS EXCLUSIVE MODE'],
    ])('exits promptly with the record spooled when %s, and stores it once the lock is gone', async (_, migrated, lock) => {
      const store = Object.assign(new URL(await storeUrl()), { password: '' }).href
      const home = mkdtempSync(join(tmpdir(), 'sms-kannel-home-'))
      if (migrated) expect((await runCli(['store', 'migrate', '--store', store], { PGPASSWORD: server.password, HOME: home })).code).toBe(0)
      const holder = new pg.Client({ connectionString: Object.assign(new URL(store), { password: server.password }).href })
      holder.on('error', () => undefined)
      await holder.connect()
      let sequence: string
      try {
        await holder.query('BEGIN')
        await holder.query(lock)
        const run = await sendTimed(store, home)
        sequence = run.sequence
        expect(run.sent.code, run.sent.stderr).toBe(0)
        expect(run.seconds).toBeLessThan(9)
        expect(run.sent.stderr).toMatch(/not recorded in the event store now\. The event store .* cannot be used: a statement waited too long \(a lock another session holds/)
        expect(run.sent.stderr).toContain(`Kept in ${spoolOf(home, store)}`)
        expect(readFileSync(spoolOf(home, store), 'utf8').trim().split('\n')).toHaveLength(1)
        await waitForMessage(stack, sequence)
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined)
        await holder.end()
      }
      await expectStoredOnce(store, home, sequence)
    }, 30_000)

    /**
     * A relay to the test server that, as `mode` says, passes everything, hangs up at once,
     * delays each answer (a slow link), or goes silent once the client sends the INSERT into
     * sends (half-open).
     */
    const startRelay = async () => {
      const relay = { mode: 'pass' as 'pass' | 'hang-up' | 'slow' | 'silent-on-insert', slowMs: 600, slowAfterConnectMs: 600, port: 0, close: async () => undefined as unknown }
      const sockets = new Set<Socket>()
      const server_: Server = createServer((client) => {
        if (relay.mode === 'hang-up') return void client.destroy()
        const upstream = connect(server.port, '127.0.0.1')
        const mode = relay.mode
        let silent = false
        let answers = 0
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('error', () => undefined)
        }
        client.on('data', (chunk) => {
          if (mode === 'silent-on-insert' && chunk.includes('INSERT INTO sends')) silent = true
          if (!silent) upstream.write(chunk)
        })
        upstream.on('data', (chunk) => {
          // The server's first three answers are the handshake (connecting, password, ready).
          if (mode === 'slow') setTimeout(() => client.write(chunk), answers++ < 3 ? relay.slowMs : relay.slowAfterConnectMs)
          else if (!silent) client.write(chunk)
        })
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      await new Promise<void>((resolve) => server_.listen(0, '127.0.0.1', resolve))
      relay.port = (server_.address() as { port: number }).port
      relay.close = async () => {
        for (const socket of sockets) socket.destroy()
        await new Promise((resolve) => server_.close(resolve))
      }
      return relay
    }
    /** Runs `work` on a migrated database reached through a relay, with an empty home. */
    const throughRelay = async (work: (store: string, relay: Awaited<ReturnType<typeof startRelay>>, home: string) => Promise<void>) => {
      const direct = await storeUrl()
      const home = mkdtempSync(join(tmpdir(), 'sms-kannel-home-'))
      expect((await runCli(['store', 'migrate', '--store', direct], { PGPASSWORD: server.password, HOME: home })).code).toBe(0)
      const relay = await startRelay()
      try {
        await work(Object.assign(new URL(direct), { port: String(relay.port) }).href, relay, home)
      } finally {
        await relay.close()
      }
    }

    it('exits promptly with the record spooled when the connection goes silent mid-insert (half-open)', () =>
      throughRelay(async (store, relay, home) => {
        relay.mode = 'silent-on-insert'
        const run = await sendTimed(store, home)
        expect(run.sent.code, run.sent.stderr).toBe(0)
        expect(run.seconds).toBeLessThan(9)
        expect(run.sent.stderr).toMatch(/not recorded in the event store now\. The event store .* cannot be used: 127\.0\.0\.1:\d+ did not answer in time/)
        expect(run.sent.stderr).toContain(`Kept in ${spoolOf(home, store)}`)
        await waitForMessage(stack, run.sequence)
        relay.mode = 'pass'
        await expectStoredOnce(store, home, run.sequence)
      }), 30_000)

    it('records its own send first when a long outage left thousands spooled, and the spool is stored without holding up the PIN', async () => {
      const store = await storeUrl()
      const home = mkdtempSync(join(tmpdir(), 'sms-kannel-home-'))
      expect((await runCli(['store', 'migrate', '--store', store], { PGPASSWORD: server.password, HOME: home })).code).toBe(0)
      const spool = spoolOf(home, store)
      mkdirSync(join(spool, '..'), { recursive: true, mode: 0o700 })
      const spooled = Array.from({ length: 40_000 }, (_, index) => JSON.stringify({ messageId: `spooled-${index}`, sequence: null, recipient: '+4917*****567', sentAt: '2026-12-07T10:00:00.000Z', outcome: 'accepted', gateway: 'kannel' }))
      writeFileSync(spool, `${spooled.join('\n')}\n`, { mode: 0o600 })

      const run = await sendTimed(store, home)
      expect({ code: run.sent.code, stderr: run.sent.stderr }).toEqual({ code: 0, stderr: '' })
      expect(run.seconds).toBeLessThan(5)
      await waitForMessage(stack, run.sequence)
      // Seen from another node (no spool there): this send is in the database already.
      const elsewhere = await runCli(['status', run.sequence, '--json', '--store', store], { PGPASSWORD: server.password, HOME: mkdtempSync(join(tmpdir(), 'sms-kannel-home-')) })
      expect(elsewhere.code, elsewhere.stderr).toBe(0)
      // Whatever the send's second for the spool did not finish, the next command stores: every record once.
      expect((await runCli(['status', 'spooled-0', '--store', store], { PGPASSWORD: server.password, HOME: home })).code).toBe(0)
      expect(readdirSync(join(spool, '..'))).toEqual([])
      const client = new pg.Client({ connectionString: Object.assign(new URL(store), { password: server.password }).href })
      await client.connect()
      try {
        expect((await client.query("SELECT count(*)::int AS n FROM sends WHERE message_id LIKE 'spooled-%'")).rows[0].n).toBe(40_000)
      } finally {
        await client.end()
      }
    }, 60_000)

    it('gives up on the whole record after 5 s when every step is slow but none too slow, and loses nothing', () =>
      throughRelay(async (store, relay, home) => {
        // Three sends spooled while the relay hangs up: the next send drains them first.
        relay.mode = 'hang-up'
        const earlier: string[] = []
        for (let i = 0; i < 3; i++) {
          const run = await sendTimed(store, home)
          expect(run.sent.code, run.sent.stderr).toBe(0)
          earlier.push(run.sequence)
        }
        // Each answer late, every step under its 3 s: connecting, the schema check and the insert pass 5 s.
        relay.mode = 'slow'
        relay.slowAfterConnectMs = 1500
        const run = await sendTimed(store, home)
        expect(run.sent.code, run.sent.stderr).toBe(0)
        expect(run.seconds).toBeLessThan(9)
        expect(run.sent.stderr).toMatch(/not recorded in the event store now\. The event store postgres:\/\/\S+ did not finish within 5 s\. Kept in /)
        await Promise.all([...earlier, run.sequence].map((sequence) => waitForMessage(stack, sequence)))
        relay.mode = 'pass'
        for (const sequence of [...earlier, run.sequence]) await expectStoredOnce(store, home, sequence)
        expect(readdirSync(join(spoolOf(home, store), '..'))).toEqual([])
      }), 60_000)
  })
})
