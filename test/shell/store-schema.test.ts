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
import { openEventStore, STORE_TABLES } from '../../src/shell/event-store.js'
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

describe('STORE_TABLES (what store copy copies)', () => {
  it('lists every column the migrations leave, in table order, with its key and type', () => {
    expect(STORE_TABLES).toEqual({
      sends: {
        key: ['message_id'],
        columns: ['message_id', 'sequence', 'recipient', 'sent_at', 'outcome', 'gateway', 'provider', 'provider_id'],
        types: ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'],
      },
      events: {
        key: ['event_id'],
        columns: ['event_id', 'message_id', 'sequence', 'dlr', 'status', 'recipient', 'sender', 'smsc_id', 'smsc_message_id', 'smsc_reply', 'gateway_time', 'received_at', 'source', 'raw', 'forward_state'],
        types: ['text', 'text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'],
      },
      replay_files: {
        key: ['identity'],
        columns: ['identity', 'path', 'byte_offset', 'line', 'first_line', 'head_bytes', 'head_hash'],
        types: ['text', 'text', 'integer', 'integer', 'text', 'integer', 'text'],
      },
      rejects: { key: ['identity', 'line'], columns: ['identity', 'line', 'path', 'reason', 'raw'], types: ['text', 'integer', 'text', 'text', 'text'] },
    })
  })

  it('matches the columns a new SQLite store has', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sms-kannel-schema-')), 'events.db')
    await (await openEventStore(path)).close()
    const db = new Database(path, { readonly: true })
    const tables = Object.keys(STORE_TABLES).map((table) => [table, (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name)])
    db.close()
    expect(Object.fromEntries(tables)).toEqual(Object.fromEntries(Object.entries(STORE_TABLES).map(([table, { columns }]) => [table, columns])))
  })
})

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
