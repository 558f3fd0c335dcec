// The event store alone, with its real schema and indexes: the lines of a DLR file are
// parsed first (not timed), then stored through the same transaction replay uses, and
// only the storing is timed. Replay cannot be faster than its store; this says how fast
// that is, beside bench/sqlite-ceiling.js (a bare keyed table) and the 3x aim.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSourceModules } from './source-modules.js'

const [file] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-store-'))
const { openStore, parseDlrLine, DLR_PARAMS, REPLAY_CACHE_KIB } = loadSourceModules(
  'store',
  "export { openStore } from './src/shell/store.ts'\nexport { parseDlrLine } from './src/core/dlr.ts'\nexport { DLR_PARAMS } from './src/core/kannel-request.ts'\nexport { REPLAY_CACHE_KIB } from './src/shell/replay.ts'",
)

const store = await openStore(join(dir, 'events.db'))
// As replay runs it.
store.setCacheKib(REPLAY_CACHE_KIB)
const context = { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', receivedAt: new Date('2026-11-28T12:00:00Z'), source: { kind: 'file', file, line: 0 } }
let seconds = 0
let events = 0
let batch = []
const storeBatch = (lineNumber) => {
  const started = performance.now()
  const writer = store.beginBatch(false)
  for (const event of batch) writer.add(event)
  writer.commit({ identity: 'bench', path: file, byteOffset: 0, line: lineNumber, firstLine: 'bench', headBytes: 0, headHash: '' })
  seconds += (performance.now() - started) / 1000
  events += batch.length
  batch = []
}
// The file is read whole: this measures the store, not the reading (1M lines is ~160 MB).
const lines = readFileSync(file, 'utf8').split('\n')
for (let index = 0; index < lines.length; index++) {
  context.source = { kind: 'file', file, line: index + 1 }
  const parsed = parseDlrLine(lines[index], context)
  if (parsed.kind === 'event') batch.push(parsed.event)
  if (batch.length === 2000) storeBatch(index + 1)
}
if (batch.length > 0) storeBatch(lines.length)
store.close()
rmSync(dir, { recursive: true, force: true })
process.stdout.write(`${JSON.stringify({ rows: events, seconds })}\n`)
