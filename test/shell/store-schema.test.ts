/**
 * The schema a new store gets, in each back end, is the one sms-kannel has always made: the
 * expected values were read from stores made before the schema was described once
 * (src/shell/store-schema.ts), so a store made now equals one an older version made.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEventStore } from '../../src/shell/event-store.js'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'

const expected = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/store-schema/${name}.json`, import.meta.url), 'utf8'))
const oneLine = (sql: string | null) => sql?.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim() ?? null

/** sqlite_master (statements with their spacing normalised) and the schema version. */
export function sqliteSchema(path: string): unknown {
  const db = new Database(path, { readonly: true })
  try {
    const objects = db.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master ORDER BY type, name').all() as Array<{ sql: string | null }>
    return { userVersion: db.pragma('user_version', { simple: true }), objects: objects.map((object) => ({ ...object, sql: oneLine(object.sql) })) }
  } finally {
    db.close()
  }
}

/** Columns, keys and indexes as the server's catalogue reports them, and the versions run. */
export async function postgresSchema(url: string): Promise<unknown> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const query = async (sql: string) => (await client.query(sql)).rows
    return {
      versions: (await query('SELECT version FROM schema_version ORDER BY version')).map((row) => row.version),
      columns: await query(`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position`),
      constraints: await query(`SELECT c.table_name, c.constraint_name, c.constraint_type, string_agg(k.column_name, ',' ORDER BY k.ordinal_position) AS columns
        FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name, table_name)
        WHERE c.table_schema = current_schema() GROUP BY 1, 2, 3 ORDER BY 1, 2`),
      indexes: await query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY tablename, indexname`),
    }
  } finally {
    await client.end()
  }
}

describe('a new SQLite store', () => {
  it('gets the schema older versions made', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-schema-')), 'events.db')
    await (await openEventStore(path)).close()
    expect(sqliteSchema(path)).toEqual(expected('sqlite'))
  })
})

describeWithPostgres('a new PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  it('gets the schema older versions made', async () => {
    const url = await server.createDatabase()
    await (await openEventStore(url)).close()
    expect(await postgresSchema(url)).toEqual(expected('postgres'))
  })
})
