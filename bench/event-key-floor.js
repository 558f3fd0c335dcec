// The least any idempotent store must do per report: keep its event id unique and keep the
// report. The file's real event ids and stored lines are computed first (not timed), then only
// the storing is timed, 30,000 events a transaction, with replay's own page cache (what its
// 100 MB memory aim leaves) and with 64 MiB. Replay's aim is judged against this floor.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { loadSourceModules } from './source-modules.js'

const [file] = process.argv.slice(2)
const { parseDlrLine, DLR_PARAMS, REPLAY_CACHE_KIB } = loadSourceModules(
  'event-key-floor',
  "export { parseDlrLine } from './src/core/dlr.ts'\nexport { DLR_PARAMS } from './src/core/kannel-request.ts'\nexport { REPLAY_CACHE_KIB } from './src/shell/replay.ts'",
)
const EVENTS_PER_TRANSACTION = 30_000
const LARGE_CACHE_KIB = 64 * 1024

const context = { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', receivedAt: new Date('2026-11-28T12:00:00Z'), source: { kind: 'file', file, line: 0 } }
const events = []
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const parsed = parseDlrLine(line, context)
  if (parsed.kind === 'event') events.push([Buffer.from(parsed.event.eventId, 'hex'), parsed.event.raw])
}

/** Seconds to store every event through `insert` into a fresh database made by `schema`. */
function timeStoring(cacheKib, schema, insertSql, values) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-floor-'))
  const db = new Database(join(dir, 'floor.db'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('wal_autocheckpoint = 10000')
    db.pragma(`cache_size = -${cacheKib}`)
    db.exec(schema)
    const insert = db.prepare(insertSql)
    const storeSlice = db.transaction((from) => {
      for (let index = from; index < Math.min(from + EVENTS_PER_TRANSACTION, events.length); index++) insert.run(...values(events[index]))
    })
    const started = performance.now()
    for (let from = 0; from < events.length; from += EVENTS_PER_TRANSACTION) storeSlice(from)
    return (performance.now() - started) / 1000
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const keyOnly = ['CREATE TABLE events (event_id BLOB PRIMARY KEY) WITHOUT ROWID', 'INSERT OR IGNORE INTO events VALUES (?)', ([id]) => [id]]
const keyAndLine = ['CREATE TABLE events (event_id BLOB PRIMARY KEY, raw TEXT NOT NULL)', 'INSERT OR IGNORE INTO events VALUES (?, ?)', ([id, raw]) => [id, raw]]
const result = {
  events: events.length,
  replayCacheMib: REPLAY_CACHE_KIB / 1024,
  keyOnlySeconds: timeStoring(LARGE_CACHE_KIB, ...keyOnly),
  keyAndLineSeconds: timeStoring(LARGE_CACHE_KIB, ...keyAndLine),
  keyAndLineReplayCacheSeconds: timeStoring(REPLAY_CACHE_KIB, ...keyAndLine),
}
process.stdout.write(`${JSON.stringify(result)}\n`)
