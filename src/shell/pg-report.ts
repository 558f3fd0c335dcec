/**
 * report and check over a PostgreSQL store: the span's sends and reports, sorted by PIN by the
 * server and read through a cursor, folded by the same core as the SQLite store's.
 */
import type { Pool } from 'pg'
import { eventIdRanges } from '../core/event-identity.js'
import { PinGrouper, REPORT_MARGIN_MS, SEND_FAILED_SQL, storedTimeMs, type MessageGroup } from '../core/report.js'

/** Rows per FETCH: bounded memory, few round trips. */
const PAGE = 10_000

export async function postgresReportGroups(pool: Pool, boundaries: readonly number[]): Promise<MessageGroup[]> {
  const sinceMs = boundaries[0]!
  const untilMs = boundaries[boundaries.length - 1]!
  const ranges = eventIdRanges(sinceMs - REPORT_MARGIN_MS, untilMs + REPORT_MARGIN_MS)
  const client = await pool.connect()
  const literal = (value: string) => client.escapeLiteral(value)
  // The same reports as the SQLite store's reportInput: untimed ids, and the span's id ranges.
  const inRanges = [`event_id < '\\x00000001'::bytea`, ...ranges.map(([from, to]) => `(event_id >= decode(${literal(from)}, 'hex') AND event_id < decode(${literal(to)}, 'hex'))`)].join(' OR ')
  const grouper = new PinGrouper(boundaries)
  try {
    await client.query('BEGIN READ ONLY')
    // Times are compared as SQLite compares them (bytes, not the locale's collation).
    await client.query(
      `DECLARE report_rows NO SCROLL CURSOR FOR
       SELECT * FROM (
         SELECT message_id, sent_at, ${SEND_FAILED_SQL}, NULL::text, NULL::integer, NULL::text, NULL::text, NULL::text FROM sends
         WHERE sent_at COLLATE "C" >= ${literal(new Date(sinceMs).toISOString())} AND sent_at COLLATE "C" < ${literal(new Date(untilMs).toISOString())}
         UNION ALL
         SELECT message_id, NULL, NULL, encode(event_id, 'hex'), dlr, coalesce(gateway_time, received_at), smsc_id, CASE WHEN dlr & 18 <> 0 THEN smsc_reply END
         FROM events WHERE ${inRanges}
       ) AS report_rows (message_id, sent_at, not_sent, event_id, dlr, at, smsc_id, smsc_reply)
       ORDER BY message_id COLLATE "C"`,
    )
    type Row = [messageId: string | null, sentAt: string | null, notSent: boolean | null, eventId: string | null, dlr: number | null, at: string | null, smscId: string | null, smscReply: string | null]
    for (;;) {
      const { rows } = await client.query<Row>({ text: `FETCH ${PAGE} FROM report_rows`, rowMode: 'array' })
      for (const [messageId, sentAt, notSent, eventId, dlr, at, smscId, smscReply] of rows) {
        if (eventId === null) grouper.send({ messageId: messageId!, sentAtMs: storedTimeMs(sentAt), notSent: notSent === true })
        else grouper.event({ eventId, messageId, dlr: dlr!, atMs: storedTimeMs(at), smscId, smscReply })
      }
      if (rows.length < PAGE) break
    }
    await client.query('COMMIT')
    return grouper.finish()
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}
