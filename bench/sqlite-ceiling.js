// The fastest a store with a row per event can take rows on this machine: better-sqlite3
// inserting pre-built rows (nothing parsed, nothing hashed) into the simplest keyed table,
// keys in order, 2,000 rows per transaction, the store's own pragmas. Replay's speed aim is
// judged against this: no parser in front of it can make the store faster than this.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'

const rows = Number(process.argv[2] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-ceiling-'))
const db = new Database(join(dir, 'ceiling.db'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.pragma('wal_autocheckpoint = 10000')
db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, raw TEXT NOT NULL)')
const insert = db.prepare('INSERT OR IGNORE INTO events (id, raw) VALUES (?, ?)')
const raws = Array.from({ length: 1000 }, (_, i) => `seq=${i}&msgid=${i.toString(16).padStart(12, '0')}&dlr=1&reply=&smscmsgid=f${i}&recipient=%2B4917${String(i).padStart(7, '0')}&sender=VISULOX&time=1795858642&smsc=smsc1`)
const batch = db.transaction((first) => {
  for (let id = first; id < Math.min(first + 2000, rows); id++) insert.run(id, raws[id % 1000])
})
const started = performance.now()
for (let first = 0; first < rows; first += 2000) batch(first)
const seconds = (performance.now() - started) / 1000
db.close()
rmSync(dir, { recursive: true, force: true })
process.stdout.write(`${JSON.stringify({ rows, seconds })}\n`)
