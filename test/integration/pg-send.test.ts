/** send records into a PostgreSQL store; status on "another node" shows the PIN delivered. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
      expect(sent.stderr).toMatch(/not recorded in the event store now \(The event store postgres:\/\/sms_test@127\.0\.0\.1:1\/store_\d+ cannot be used: nothing answers/)
      expect(sent.stderr).toContain(`kept in ${home}/.local/state/sms-kannel/127.0.0.1-1-store_`)
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
          expect(sent.stderr).toContain(`kept in ${spool}`)
          expect(sent.stderr).not.toContain(server.password)
        }
        await Promise.all(sequences.map((sequence) => waitForMessage(stack, sequence)))
        expect(statSync(spool).mode & 0o777).toBe(0o600)
        expect(statSync(join(spool, '..')).mode & 0o777).toBe(0o700)
        expect(readFileSync(spool, 'utf8').trim().split('\n')).toHaveLength(2)
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
  })
})
