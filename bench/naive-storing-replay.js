// The storing peer issue #14 names, what an admin writes in ten minutes: readline +
// URLSearchParams + better-sqlite3, INSERT OR IGNORE into one table keyed by the query
// string, one transaction per 10,000 lines, WAL. No identity, resuming or rejects.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import Database from 'better-sqlite3'

const db = new Database(process.argv[3])
db.pragma('journal_mode = WAL')
db.exec('CREATE TABLE IF NOT EXISTS dlrs (query TEXT PRIMARY KEY, msgid TEXT, dlr INTEGER, time TEXT)')
const insert = db.prepare('INSERT OR IGNORE INTO dlrs VALUES (?, ?, ?, ?)')
const begin = db.prepare('BEGIN')
const commit = db.prepare('COMMIT')

let lines = 0
let stored = 0
begin.run()
for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
  lines += 1
  const question = line.indexOf('?')
  const query = question === -1 ? line : line.slice(question + 1).split(' ')[0]
  const params = new URLSearchParams(query)
  if (params.has('dlr')) stored += insert.run(query, params.get('msgid'), Number(params.get('dlr')), params.get('time')).changes
  if (lines % 10_000 === 0) {
    commit.run()
    begin.run()
  }
}
commit.run()
db.close()
process.stdout.write(`${JSON.stringify({ lines, stored })}\n`)
