import Database from 'better-sqlite3'
import { legacyEventId } from '../../src/core/event-identity.js'

/** Turns an SQLite store into one the previous release wrote: old-scheme ids, marked as store migration 3 marks them. */
export function makeLegacy(path: string): void {
  const db = new Database(path)
  const rows = db.prepare('SELECT rowid, raw, source, gateway_time AS gatewayTime FROM events').all() as Array<{ rowid: number; raw: string; gatewayTime: string | null }>
  const update = db.prepare('UPDATE events SET event_id = unhex(?) WHERE rowid = ?')
  for (const row of rows) {
    const rawFormat = /^\d{4}-/.test(row.raw) ? 'bearerbox-log' : 'query'
    update.run(legacyEventId({ rawFormat, raw: row.raw, gatewayTime: row.gatewayTime }), row.rowid)
  }
  // As the migration that introduced ids from meaning found such a store: it marks the old rows.
  db.exec('DROP TABLE legacy_event_ids; CREATE TABLE legacy_event_ids AS SELECT max(rowid) AS last_rowid, lower(hex(max(event_id))) AS newest_id FROM events')
  db.close()
}
