/**
 * serve's PostgreSQL store and a database restart: onDisk vouches only for writes made since
 * the caller's restarts() mark, whoever else noticed the restart first.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { request } from 'undici'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseDlrLine, type DeliveryEvent } from '../../src/core/dlr.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { openCallbackJournal, SEGMENT_LIMIT_BYTES } from '../../src/shell/callback-journal.js'
import { createCallbackServer } from '../../src/shell/callback-server.js'
import { storeEvents } from '../../src/shell/event-store.js'
import { openServeStore } from '../../src/shell/serve-store.js'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'

function delivered(id: string): DeliveryEvent {
  const parsed = parseDlrLine(`seq=s-${id}&msgid=${id}&dlr=1&time=1795858642`, {
    receivedAt: new Date('2026-11-28T12:00:00Z'),
    source: { kind: 'http' },
    names: { ...DLR_PARAMS },
    feedbackPath: '/smsKannelfeedback',
  })
  if (parsed.kind !== 'event') throw new Error(`not a report: ${id}`)
  return parsed.event
}

const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'resolved',
    () => 'rejected',
  )

describeWithPostgres('serve\'s PostgreSQL store across a restart', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  it('tells every caller whose writes preceded a restart, not only the first to notice it', async () => {
    const store = await openServeStore(await server.createDatabase())
    const restarts: Error[] = []
    store.watchRestarts?.((cause) => restarts.push(cause))
    try {
      // The drain's segment (or a rotated one): its mark, then its writes, committed without waiting for the disk.
      const mark = store.restarts()
      const fresh = await storeEvents(store, Array.from({ length: 2000 }, (_, i) => delivered(`r-${i}`)), false)
      expect(fresh.filter(Boolean)).toHaveLength(2000)
      await server.restart()
      // serve's periodic check notices first ...
      expect(await outcome(store.onDisk(store.restarts()))).toBe('rejected')
      expect(restarts).toHaveLength(1)
      // ... and the caller for the earlier writes must not be told they are on disk.
      expect(await outcome(store.onDisk(mark))).toBe('rejected')
      expect(await outcome(store.onDisk(mark))).toBe('rejected')
      expect(restarts, 'the listener hears of each restart once').toHaveLength(1)

      // Writes made after the restart was noticed are vouched for as before.
      const after = store.restarts()
      await storeEvents(store, [delivered('r-after')], false)
      expect(await outcome(store.onDisk(after))).toBe('resolved')
    } finally {
      await store.close()
    }
  }, 60_000)

  it('onDisk resolves only once the writes before it are on the server\'s disk (its WAL flushed past them)', async () => {
    // The WAL writer would flush by itself within 200 ms; slowed down, only onDisk's own commit can.
    await server.asSuperuser('postgres', ["ALTER SYSTEM SET wal_writer_delay = '10s'", 'SELECT pg_reload_conf()'])
    const url = await server.createDatabase()
    const store = await openServeStore(url)
    const probe = new pg.Client({ connectionString: url })
    await probe.connect()
    try {
      for (let round = 0; round < 3; round++) {
        const mark = store.restarts()
        await storeEvents(store, Array.from({ length: 200 }, (_, i) => delivered(`w-${round}-${i}`)), false)
        const { rows: [written] } = await probe.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')
        await store.onDisk(mark)
        const { rows: [flushed] } = await probe.query<{ behind: string }>('SELECT pg_wal_lsn_diff($1, pg_current_wal_flush_lsn())::text AS behind', [written!.lsn])
        expect(Number(flushed!.behind), 'bytes of WAL written before onDisk and not yet flushed').toBeLessThanOrEqual(0)
      }
    } finally {
      await probe.end()
      await store.close()
      await server.asSuperuser('postgres', ['ALTER SYSTEM RESET wal_writer_delay', 'SELECT pg_reload_conf()'])
    }
  }, 60_000)

  it('vouches for writes made while nobody noticed a restart only if none happened', async () => {
    const store = await openServeStore(await server.createDatabase())
    store.watchRestarts?.(() => undefined)
    try {
      const mark = store.restarts()
      await storeEvents(store, [delivered('q-1')], false)
      expect(await outcome(store.onDisk(mark))).toBe('resolved')
      expect(await outcome(store.onDisk(mark)), 'no restart: a second call for the same writes resolves too').toBe('resolved')
      await storeEvents(store, [delivered('q-2')], false)
      await server.restart()
      // Two callers at once for writes before the restart: both are refused.
      expect(await Promise.all([outcome(store.onDisk(mark)), outcome(store.onDisk(mark))])).toEqual(['rejected', 'rejected'])
    } finally {
      await store.close()
    }
  }, 60_000)

  it('a journal segment closed after a restart, whose callbacks went to the old server, is not deleted', async () => {
    const store = await openServeStore(await server.createDatabase())
    const journalPath = join(mkdtempSync(join(tmpdir(), 'sms-kannel-pg-rotate-')), 'serve.journal')
    const journal = openCallbackJournal(journalPath)
    const callbacks = createCallbackServer({ store, journal, names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', secret: undefined, forward: false, now: () => new Date('2026-11-28T12:00:00Z'), log: () => undefined })
    await new Promise<void>((resolve) => callbacks.server.listen(0, '127.0.0.1', resolve))
    const send = async (id: string) => {
      const response = await request(`http://127.0.0.1:${(callbacks.server.address() as AddressInfo).port}/smsKannelfeedback?seq=1&msgid=${id}&dlr=1&time=1795858642`)
      return response.body.text()
    }
    try {
      expect(await send('rot-1')).toBe('OK\n')
      // The first segment fills up (records of callbacks stored before), so that the next group rotates it.
      const filler = { receivedAt: '2026-11-28T12:00:00Z', target: `/smsKannelfeedback?seq=1&msgid=rot-1&dlr=1&time=1795858642&pad=${'x'.repeat(200)}` }
      journal.append(Array.from({ length: Math.ceil(SEGMENT_LIMIT_BYTES / 250) }, () => filler))
      await server.restart()
      // serve's periodic check notices the restart first.
      expect(await outcome(store.onDisk(store.restarts()))).toBe('rejected')
      // The pool's first write after a restart may fail on a dead connection (503): Kannel retries.
      let answer = ''
      for (let tries = 0; tries < 10 && answer !== 'OK\n'; tries++) answer = await send('rot-2')
      expect(answer).toBe('OK\n')
      expect(journal.currentSegment, 'the group after rot-2 rotated the segment').toBe(2)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(existsSync(`${journalPath}.00000001`), 'rot-1 may have been lost with the restart: its segment stays').toBe(true)
      // The new segment was started after the restart was noticed: shutdown may vouch for it.
      expect(await outcome(callbacks.onDisk())).toBe('resolved')
    } finally {
      await callbacks.close()
      journal.close()
      await store.close()
    }
  }, 60_000)
})
