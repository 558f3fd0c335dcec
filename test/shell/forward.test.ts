import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'

const SCENARIO = 'forwards each new report once, counting it only after a 2xx, and retries failures on the next run'

/** The same runs against either back end: `store` is a file or a URL, `env` what it needs. */
async function forwardScenario(store: string, env: Record<string, string>): Promise<void> {
  const received: string[] = []
  let failuresLeft = 2
  const server = createServer((request: IncomingMessage, response) => {
    received.push(request.url ?? '')
    if (failuresLeft > 0) {
      failuresLeft -= 1
      response.writeHead(503).end()
    } else {
      response.writeHead(200).end('OK')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smsKannelfeedback?site=a`
  const queries = ['seq=1&msgid=a&dlr=8', 'seq=1&msgid=a&dlr=1', 'seq=2&msgid=b&dlr=8']
  try {
    const first = await runCli(['feedback', '--store', store, '--forward', target, '--verbose', ...queries], env)
    // Stored, but two not forwarded: exit 75 (retry later), so cron and scripts notice.
    expect(first.code).toBe(75)
    expect(first.stderr).toContain('3 lines, 3 new, 0 duplicates, 0 bad, 0 skipped, 1 forwarded, 2 to forward next run')
    expect(first.stderr).toContain('error: 2 reports were not accepted by the forward URL')
    // The same reports again: duplicates, so nothing new to forward; the two failures are retried.
    const second = await runCli(['feedback', '--store', store, '--forward', target, '--verbose', ...queries], env)
    expect(second.code).toBe(0)
    expect(second.stderr).toContain('3 lines, 0 new, 3 duplicates, 0 bad, 0 skipped, 2 forwarded, 0 to forward next run')
    const third = await runCli(['feedback', '--store', store, '--forward', target, '--verbose'], env, { stdin: '' })
    expect(third.stderr).toContain('0 forwarded, 0 to forward next run')
    const delivered = received.slice(2)
    expect(delivered.sort()).toEqual(queries.map((query) => `/smsKannelfeedback?site=a&${query}`).sort())
    expect(received).toHaveLength(5)
  } finally {
    server.close()
  }
}

describe('on an SQLite store', () => {
  it(SCENARIO, () => forwardScenario(join(mkdtempSync(join(tmpdir(), 'sms-kannel-fwd-')), 'events.db'), {}))
})

describeWithPostgres('on a PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())
  it(SCENARIO, async () => forwardScenario(Object.assign(new URL(await server.createDatabase()), { password: '' }).href, { PGPASSWORD: server.password }))
})
