import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'

describeWithPostgres('the test PostgreSQL', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  it.each([
    ['the right password', (url: URL) => url, undefined],
    ['a wrong password', (url: URL) => Object.assign(url, { password: 'wrong' }), /password authentication failed/],
    ['no password', (url: URL) => Object.assign(url, { password: '' }), /password/],
  ])('lets the test role in with %s only', async (_, change, refusal) => {
    const url = change(new URL(await server.createDatabase()))
    const client = new pg.Client({ connectionString: url.href })
    const connecting = client.connect().then(() => client.query('SELECT current_user AS who'))
    if (refusal) {
      await expect(connecting).rejects.toThrow(refusal)
    } else {
      expect((await connecting).rows).toEqual([{ who: server.role }])
    }
    await client.end().catch(() => undefined)
  })

  it('runs as an unprivileged user on loopback', async () => {
    const client = new pg.Client({ connectionString: await server.createDatabase() })
    await client.connect()
    const { rows } = await client.query(`SELECT current_setting('listen_addresses') AS listen, rolsuper FROM pg_roles WHERE rolname = current_user`)
    await client.end()
    expect(rows).toEqual([{ listen: '127.0.0.1', rolsuper: false }])
  })
})
