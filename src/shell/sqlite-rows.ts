/**
 * Whole-table reads and writes of an SQLite store, for `store copy`. A connection of its own,
 * so the store's code (src/shell/store.ts) stays as it is; the store has migrated the file.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { STORE_TABLES, type StoreRow, type StoreTable } from './event-store.js'
import { toStoreError } from './store.js'

export interface SqliteRowCopier {
  export(table: StoreTable, after: StoreRow | undefined, limit: number): StoreRow[]
  import(table: StoreTable, rows: readonly StoreRow[]): number
  close(): void
}

export function openSqliteRowCopier(db: BetterSqlite3.Database, path: string): SqliteRowCopier {
  db.pragma('busy_timeout = 10000')
  // Rows up to this one carry ids of the old scheme (store migration 3): exported marked `legacy`.
  const lastLegacyRow = (db.prepare('SELECT last_rowid FROM legacy_event_ids').pluck().get() as number | null | undefined) ?? null
  const guard = <T>(work: () => T): T => {
    try {
      return work()
    } catch (error) {
      throw typeof (error as { code?: unknown }).code === 'string' ? toStoreError(error, path) : error
    }
  }
  return {
    export: (table, after, limit) =>
      guard(() => {
        const { key, columns } = STORE_TABLES[table]
        const marked = table === 'events' && lastLegacyRow !== null ? `, rowid <= ${Number(lastLegacyRow)} AS legacy` : ''
        const select = columns.map((column) => (column === 'event_id' ? 'lower(hex(event_id)) AS event_id' : column)).join(', ') + marked
        const keyValue = (column: string) => (column === 'event_id' ? 'unhex(?)' : '?')
        const where = after ? `WHERE (${key.join(', ')}) > (${key.map(keyValue).join(', ')})` : ''
        return db
          .prepare(`SELECT ${select} FROM ${table} ${where} ORDER BY ${key.join(', ')} LIMIT ?`)
          .all(...(after ? key.map((column) => after[column]) : []), limit) as StoreRow[]
      }),
    import: (table, rows) =>
      guard(() => {
        const { columns } = STORE_TABLES[table]
        const insert = db.prepare(
          `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((column) => (column === 'event_id' ? 'unhex(?)' : '?')).join(', ')})`,
        )
        return db.transaction(() => rows.reduce((added, row) => added + insert.run(...columns.map((column) => row[column] ?? null)).changes, 0)).immediate()
      }),
    close: () => db.close(),
  }
}
