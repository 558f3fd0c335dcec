// The naive peer for replay into PostgreSQL: sms-kannel's own parser, then one
// INSERT ... ON CONFLICT DO NOTHING per line, each awaited (a round trip per report).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { loadSourceModules } from './source-modules.js'

const buildStartedAt = performance.now()
const { parseDlrLine, DLR_PARAMS, DEFAULT_FEEDBACK_PATH } = loadSourceModules(
  'naive-pg-replay',
  "export { parseDlrLine, DEFAULT_FEEDBACK_PATH } from './src/core/dlr.ts'\nexport { DLR_PARAMS } from './src/core/kannel-request.ts'",
)
// Bundling the parser is the bench's doing, not the peer's: it is reported, and taken off.
const buildSeconds = (performance.now() - buildStartedAt) / 1000
const [file, url] = process.argv.slice(2)
const client = new pg.Client({ connectionString: url })
await client.connect()
const context = { names: { ...DLR_PARAMS }, feedbackPath: DEFAULT_FEEDBACK_PATH, receivedAt: new Date(), source: { kind: 'file', file, line: 0 } }
let lines = 0
let added = 0
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  lines += 1
  context.source = { kind: 'file', file, line: lines }
  const parsed = parseDlrLine(line, context)
  if (parsed.kind !== 'event') continue
  const event = parsed.event
  const result = await client.query(
    `INSERT INTO events (event_id, message_id, sequence, dlr, status, recipient, sender, smsc_id, smsc_message_id, smsc_reply, gateway_time, received_at, source, raw)
     VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (event_id) DO NOTHING`,
    [event.eventId, event.messageId, event.sequence, event.dlr, event.status, event.recipient, event.sender, event.smscId, event.smscMessageId, event.smscReply?.raw ?? null, event.gatewayTime, event.receivedAt, JSON.stringify(event.source), event.raw],
  )
  added += result.rowCount
}
await client.end()
process.stdout.write(`${JSON.stringify({ lines, new: added, buildSeconds })}\n`)
