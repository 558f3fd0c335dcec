/** send records into a PostgreSQL store; status on "another node" shows the PIN delivered. */
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

    it('still sends the PIN when the database is unreachable, and warns that it was not recorded', async () => {
      const down = Object.assign(new URL(await storeUrl()), { port: '1' }).href
      const token = uniqueToken()
      const sent = await runCli(['send', '--to', '+491701234567', '--text', `PIN 654321 ${token}`, '--store', down], gatewayEnv(stack, { PGPASSWORD: server.password }))
      expect(sent.code).toBe(0)
      expect(sent.stderr).toMatch(/not recorded in the event store: The event store postgres:\/\/sms_test@127\.0\.0\.1:1\/store_\d+ cannot be used: nothing answers/)
      await waitForMessage(stack, token)
    })
  })
})
