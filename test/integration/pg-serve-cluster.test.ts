/** Two serve nodes on one PostgreSQL store, a real Kannel calling both; status from a third process. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe, type ServeProcess } from '../helpers/serve-process.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, uniqueToken } from './messages.js'

const SECRET = 'cluster-secret-for-the-callbacks-42'
const PINS = 10

describeWithKannel('two serve nodes on one PostgreSQL store, a real Kannel calling both', () => {
  describeWithPostgres('with PostgreSQL', () => {
    let stack: KannelStack
    let server: PostgresServer
    let nodes: ServeProcess[] = []
    let store: string
    beforeAll(async () => {
      ;[stack, server] = await Promise.all([startKannel(), startPostgres()])
      // The password from PGPASSWORD, as a node's service environment would give it.
      store = Object.assign(new URL(await server.createDatabase()), { password: '' }).href
      const nodeEnv = () => ({ SMSKANNEL_STORE: store, SMSKANNEL_SECRET: SECRET, PGPASSWORD: server.password, SMSKANNEL_JOURNAL: join(mkdtempSync(join(tmpdir(), 'sms-kannel-cluster-')), 'serve.journal') })
      nodes = await Promise.all([startServe([], nodeEnv()), startServe([], nodeEnv())])
    })
    afterAll(async () => {
      for (const node of nodes) if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL')
      await Promise.all([stack?.stop(), server?.stop()])
    })

    it('PINs whose reports go half to node A, half to node B: status on a third process shows every one delivered, each report stored once', async () => {
      const run = uniqueToken()
      const sequences = Array.from({ length: PINS }, (_, i) => `${run}${i}`)
      // Sent one after another, as logins come: each send records itself in the database.
      for (const [i, sequence] of sequences.entries()) {
        const sent = await runCli([], gatewayEnv(stack, {
          VLXSMS: '+491701234567',
          VLXPIN_TEXT: `PIN 1234${i} ${sequence}`,
          VLXPIN_SEQUENCE: sequence,
          SMSKANNEL_FEEDBACKURL: `${nodes[i % 2]!.base}/smsKannelfeedback`,
          SMSKANNEL_SECRET: SECRET,
          SMSKANNEL_STORE: store,
          PGPASSWORD: server.password,
        }))
        expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: 0, stderr: '' })
      }

      const statusOf = async (sequence: string) => {
        const shown = await runCli(['status', sequence, '--json'], { SMSKANNEL_STORE: store, PGPASSWORD: server.password })
        return shown.code === 0 ? JSON.parse(shown.stdout).timelines[0] : undefined
      }
      for (const sequence of sequences) {
        const timeline = await stack.waitFor(`PIN ${sequence} delivered`, async () => {
          const found = await statusOf(sequence)
          return found?.result === 'delivered' && found.steps.length === 3 ? found : undefined
        }, 30_000)
        expect(timeline.steps.map((step: { what: string }) => step.what)).toEqual(['sent', 'accepted', 'delivered'])
      }
      // Each node received and stored its half: two reports (SMSC ack, delivered) per PIN.
      for (const [n, node] of nodes.entries()) {
        const mine = sequences.filter((_, i) => i % 2 === n)
        await stack.waitFor(`node ${n} logging its reports`, () => ((node.stderr().match(/200 new:/g)?.length ?? 0) >= 2 * mine.length ? true : undefined))
        for (const sequence of mine) expect(node.stderr().match(new RegExp(`200 new: dlr=\\d+ \\w+ seq=${sequence} `, 'g'))).toHaveLength(2)
        expect(node.stderr().match(/200 new:/g)).toHaveLength(2 * mine.length)
      }
      // Every callback again at node B (Kannel's retry through another node): nothing doubled.
      const client = new pg.Client({ connectionString: Object.assign(new URL(store), { password: server.password }).href })
      await client.connect()
      const { rows } = await client.query<{ raw: string }>('SELECT raw FROM events').finally(() => client.end())
      expect(rows).toHaveLength(2 * PINS)
      for (const { raw } of rows) {
        const response = await fetch(`${nodes[1]!.base}/smsKannelfeedback?${raw}`)
        expect(response.status).toBe(200)
        await response.text()
      }
      // Its log lines go out a moment after the answers.
      await stack.waitFor('node B logging every duplicate', () => (nodes[1]!.stderr().match(/200 duplicate:/g)?.length === 2 * PINS ? true : undefined))
      expect(nodes[1]!.stderr().match(/200 new:/g)).toHaveLength(PINS)
      for (const sequence of sequences) expect((await statusOf(sequence)).steps).toHaveLength(3)

      for (const node of nodes) node.child.kill('SIGTERM')
      expect(await Promise.all(nodes.map((node) => node.exited))).toEqual([0, 0])
      for (const node of nodes) expect(node.stderr()).not.toContain(server.password)
    }, 120_000)
  })
})
