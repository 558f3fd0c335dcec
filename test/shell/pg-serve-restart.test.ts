/**
 * serve's PostgreSQL store and a database restart: onDisk vouches only for writes made since
 * the caller's restarts() mark, whoever else noticed the restart first.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseDlrLine, type DeliveryEvent } from '../../src/core/dlr.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
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
})
