/**
 * The store's tables, written once and rendered into SQLite's and PostgreSQL's SQL for the
 * migrations both back ends share. This is migration history: a step here ran as rendered in
 * stores that exist, so a change goes into a new step, never into an old one.
 */

export type Dialect = 'sqlite' | 'postgres'

/**
 * A column's portable type: `count` is a file offset or line number, which may pass 2^31 (the
 * limit of PostgreSQL's INTEGER, not of SQLite's); `bytes` is an event id, copied as hex.
 */
type PortableType = 'text' | 'integer' | 'count' | 'bytes'

const SQL_TYPES: Record<Dialect, Record<PortableType, string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', count: 'INTEGER', bytes: 'BLOB' },
  postgres: { text: 'TEXT', integer: 'INTEGER', count: 'BIGINT', bytes: 'BYTEA' },
}

/** A column: its portable type, then its constraints as SQL both dialects read alike. */
type ColumnSpec = `${PortableType}${'' | ` ${string}`}`

interface Index {
  name: string
  columns: string
  where?: string
}

interface TableSchema {
  columns: Record<string, ColumnSpec>
  /** A key of several columns; a single-column key is the column's PRIMARY KEY. */
  key?: readonly string[]
  indexes: readonly Index[]
}

/**
 * SQLite's store indexed the pending state; PostgreSQL's indexes the event id that
 * pendingForwards pages by. Each store keeps the index its migration 1 made.
 */
const EVENTS_TO_FORWARD: Record<Dialect, Index> = {
  sqlite: { name: 'events_to_forward', columns: 'forward_state', where: "forward_state = 'pending'" },
  postgres: { name: 'events_to_forward', columns: 'event_id', where: "forward_state = 'pending'" },
}

/** Migration 1: the tables as the first version made them. */
const FIRST_TABLES = (dialect: Dialect) =>
  ({
    sends: {
      columns: {
        message_id: 'text PRIMARY KEY',
        sequence: 'text',
        recipient: 'text NOT NULL',
        sent_at: 'text NOT NULL',
        outcome: 'text NOT NULL',
        gateway: 'text NOT NULL',
      },
      indexes: [{ name: 'sends_by_sequence', columns: 'sequence' }],
    },
    events: {
      columns: {
        event_id: 'bytes PRIMARY KEY',
        message_id: 'text',
        sequence: 'text',
        dlr: 'integer NOT NULL',
        status: 'text NOT NULL',
        recipient: 'text',
        sender: 'text',
        smsc_id: 'text',
        smsc_message_id: 'text',
        smsc_reply: 'text',
        gateway_time: 'text',
        received_at: 'text NOT NULL',
        source: 'text NOT NULL',
        raw: 'text NOT NULL',
        forward_state: 'text',
      },
      indexes: [
        { name: 'events_by_message', columns: 'message_id', where: 'message_id IS NOT NULL' },
        { name: 'events_by_sequence', columns: 'sequence', where: 'sequence IS NOT NULL' },
        EVENTS_TO_FORWARD[dialect],
      ],
    },
    replay_files: {
      columns: { identity: 'text PRIMARY KEY', path: 'text NOT NULL', byte_offset: 'count NOT NULL', line: 'count NOT NULL' },
      indexes: [],
    },
    rejects: {
      columns: { identity: 'text NOT NULL', line: 'count NOT NULL', path: 'text NOT NULL', reason: 'text NOT NULL', raw: 'text NOT NULL' },
      key: ['identity', 'line'],
      indexes: [],
    },
  }) satisfies Record<string, TableSchema>

export type StoreTable = keyof ReturnType<typeof FIRST_TABLES>

/** A later step: columns added to one table (existing rows get the default), then its SQL. */
interface AddedColumns {
  table: StoreTable
  columns: Record<string, ColumnSpec>
  /** Run once the columns are there: what fills them for the rows already stored. */
  backfill: readonly string[]
  indexes: readonly Index[]
}

/** Providers other than Kannel (SMS4.de) give each message an id of their own; polling asks by it. */
const PROVIDER_IDS: AddedColumns = {
  table: 'sends',
  columns: { provider: "text NOT NULL DEFAULT 'kannel'", provider_id: 'text' },
  backfill: [],
  indexes: [{ name: 'sends_awaiting_reports', columns: 'provider, sent_at', where: 'provider_id IS NOT NULL' }],
}

/**
 * Replay recognises a file by its first 8 KiB (head), not by its first line alone. Old rows
 * keep their identity (the first line's hash) and an empty head, which matches as before.
 */
const REPLAY_HEADS: AddedColumns = {
  table: 'replay_files',
  columns: { first_line: 'text', head_bytes: 'count NOT NULL DEFAULT 0', head_hash: "text NOT NULL DEFAULT ''" },
  backfill: ['UPDATE replay_files SET first_line = identity;'],
  indexes: [{ name: 'replay_files_by_first_line', columns: 'first_line' }],
}

/** The steps after migration 1, in order; store copy copies the columns they add too. */
const LATER_STEPS = [PROVIDER_IDS, REPLAY_HEADS]

function columnSql(name: string, spec: ColumnSpec, dialect: Dialect): string {
  const [type, ...constraints] = spec.split(' ') as [PortableType, ...string[]]
  return [name, SQL_TYPES[dialect][type], ...constraints].join(' ')
}

function indexSql(table: string, index: Index): string {
  return `CREATE INDEX ${index.name} ON ${table}(${index.columns})${index.where ? ` WHERE ${index.where}` : ''};`
}

/** Migration 1's SQL: each table, then its indexes. */
export function createTables(dialect: Dialect): string {
  return Object.entries(FIRST_TABLES(dialect) as Record<StoreTable, TableSchema>)
    .flatMap(([table, { columns, key, indexes }]) => {
      const lines = Object.entries(columns).map(([name, spec]) => columnSql(name, spec, dialect))
      if (key) lines.push(`PRIMARY KEY (${key.join(', ')})`)
      // SQLite keeps this text and ALTER TABLE appends to it: the parenthesis stays on a line of its own as before.
      return [`CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n);`, ...indexes.map((index) => indexSql(table, index))]
    })
    .join('\n')
}

function addColumns(step: AddedColumns, dialect: Dialect): string {
  const columns = Object.entries(step.columns).map(([name, spec]) => `ALTER TABLE ${step.table} ADD COLUMN ${columnSql(name, spec, dialect)};`)
  return [...columns, ...step.backfill, ...step.indexes.map((index) => indexSql(step.table, index))].join('\n')
}

export const addProviderIds = (dialect: Dialect): string => addColumns(PROVIDER_IDS, dialect)
export const addReplayHeads = (dialect: Dialect): string => addColumns(REPLAY_HEADS, dialect)

export interface StoreTableColumns {
  key: readonly string[]
  columns: readonly string[]
  /** As rows carry them: `integer` columns are numbers; the rest text, event ids as hex. */
  types: ReadonlyArray<RowType>
}

type RowType = 'text' | 'integer'
const ROW_TYPES: Record<PortableType, RowType> = { text: 'text', integer: 'integer', count: 'integer', bytes: 'text' }

/** Every table's columns as the latest step leaves them (the same in both dialects), keyed as both back ends key them. */
export function storeTables(): Record<StoreTable, StoreTableColumns> {
  const tables = Object.entries(FIRST_TABLES('sqlite') as Record<StoreTable, TableSchema>).map(([table, schema]) => {
    const added = LATER_STEPS.filter((step) => step.table === table).flatMap((step) => Object.entries(step.columns))
    const columns = [...Object.entries(schema.columns), ...added]
    const described: StoreTableColumns = {
      key: schema.key ?? columns.filter(([, spec]) => spec.includes('PRIMARY KEY')).map(([name]) => name),
      columns: columns.map(([name]) => name),
      types: columns.map(([, spec]) => ROW_TYPES[spec.split(' ')[0] as PortableType]),
    }
    return [table, described]
  })
  return Object.fromEntries(tables) as Record<StoreTable, StoreTableColumns>
}
