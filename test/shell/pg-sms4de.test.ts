/** SMS4.de on a PostgreSQL store: send records its provider id, feedback --poll asks by it, status reads the result. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { startSms4deStandIn, type Sms4deStandIn } from '../helpers/sms4de-stand-in.js'

const account = { user: 'vlxsms', password: 'sms4de-secret', kdnr: '12345', balance: '34.56' }

describeWithPostgres('feedback --poll on a PostgreSQL store', () => {
  let server: PostgresServer
  let standIn: Sms4deStandIn
  beforeAll(async () => {
    ;[server, standIn] = await Promise.all([startPostgres(), startSms4deStandIn(account)])
  })
  afterAll(async () => {
    await Promise.all([server?.stop(), standIn?.close()])
  })

  it('polls the sends recorded there, stores each report once, and status shows delivered', async () => {
    const env = {
      SMS_PROVIDER: 'sms4de',
      SMS4DE_USER: account.user,
      SMS4DE_PASSWORD: account.password,
      SMS4DE_KDNR: account.kdnr,
      SMS4DE_URL: standIn.sendUrl,
      SMS4DE_CHECKURL: standIn.checkUrl,
      SMS4DE_DLRURL: standIn.dlrUrl,
      SMSKANNEL_STORE: await server.createDatabase(),
    }
    const clock = { now: '2026-11-28T10:16:50.000Z' }
    const before = standIn.messages.length
    for (const sequence of ['5711', '5712']) {
      const sent = await runCli([], { ...env, VLXSMS: '+491701234567', VLXPIN: '482913', VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN 482913 Seq ${sequence}` }, clock)
      expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: EXIT.ok, stderr: '' })
    }
    const [delivered, open] = standIn.messages.slice(before)
    // German time (sms4de.timezone's default): 11:16:58 in Berlin is 8 s after the send.
    standIn.report(delivered!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK - An das Telefon gesendet', dateTime: '2026-11-28 11:16:58' })

    const first = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(first.code).toBe(EXIT.ok)
    expect(JSON.parse(first.stdout)).toMatchObject({ provider: 'sms4de', asked: 2, requests: 1, reports: 2, new: 2, duplicates: 0 })
    expect(first.stdout + first.stderr).not.toContain(server.password)
    const status = await runCli(['status', '5711'], env, clock)
    expect(status.stdout).toMatch(/^sequence 5711, message [0-9a-f-]+, to \+4917\*{5}567: delivered after 8\.0 s/m)

    // Only the send without a final report is asked about again; nothing is stored twice.
    const again = await runCli(['feedback', '--poll', '--json'], env, clock)
    expect(JSON.parse(again.stdout)).toMatchObject({ asked: 1, reports: 1, new: 0, duplicates: 1 })
    standIn.report(open!.smsId, { status: '0', statusText: 'OK', statusDetailText: 'Transfer OK - An das Telefon gesendet', dateTime: '2026-11-28 11:18:00' })
    expect(JSON.parse((await runCli(['feedback', '--poll', '--json'], env, clock)).stdout)).toMatchObject({ asked: 1, new: 1 })
    expect(JSON.parse((await runCli(['feedback', '--poll', '--json'], env, clock)).stdout)).toMatchObject({ asked: 0 })
  })
})
