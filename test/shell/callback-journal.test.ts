import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canMount, mountSmallFs } from '../helpers/small-fs.js'
import { decodeRecords, defaultJournalPath, discardJournal, discardSegment, encodeRecords, openCallbackJournal, readJournal, readSegment, SEGMENT_LIMIT_BYTES, segmentNumbers, type JournalRecord } from '../../src/shell/callback-journal.js'

const now = () => new Date('2026-11-28T12:00:00Z')
const storeIn = () => join(mkdtempSync(join(tmpdir(), 'sms-kannel-journal-')), 'events.db.journal')
const record = (n: number): JournalRecord => ({ receivedAt: '2026-11-28T12:00:00.000Z', target: `/smsKannelfeedback?seq=${n}&msgid=m-${n}&dlr=1` })
const segmentsOf = (store: string) => readdirSync(join(store, '..')).filter((name) => name.startsWith('events.db.journal.')).sort()

describe('journal records', () => {
  it('come back exactly as written, whatever bytes a hostile request target holds', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ receivedAt: fc.date({ min: new Date(0), max: new Date(2 ** 42), noInvalidDate: true }).map((date) => date.toISOString()), target: fc.string({ unit: 'binary' }) })), (records) => {
        const text = encodeRecords(records)
        expect(text.split('\n').length - 1).toBe(records.length)
        expect(decodeRecords(text)).toEqual({ records, damaged: 0 })
      }),
    )
  })

  it('drop a last line cut short by a crash (never acknowledged) and count a damaged one', () => {
    const whole = encodeRecords([record(1), record(2)])
    expect(decodeRecords(`${whole}["2026-11-28T12:0`)).toEqual({ records: [record(1), record(2)], damaged: 0 })
    expect(decodeRecords(`${whole}garbage\n${encodeRecords([record(3)])}`)).toEqual({ records: [record(1), record(2), record(3)], damaged: 1 })
    expect(decodeRecords('["not a time","/x"]\n[1,2]\n{"__proto__":1}\n').damaged).toBe(3)
  })
})

describe('the default journal for a store without a file next to it (PostgreSQL)', () => {
  const url = 'postgres://sms:pw@db.example:6432/pins'
  it.each([
    { env: { STATE_DIRECTORY: '/var/lib/sms-kannel', HOME: '/home/x' }, want: '/var/lib/sms-kannel/serve-db.example-6432-pins.journal' },
    { env: { STATE_DIRECTORY: '/var/lib/a:/var/lib/b' }, want: '/var/lib/a/serve-db.example-6432-pins.journal' },
    { env: { XDG_STATE_HOME: '/home/x/.state', HOME: '/home/x' }, want: '/home/x/.state/sms-kannel/serve-db.example-6432-pins.journal' },
    { env: { HOME: '/home/x' }, want: '/home/x/.local/state/sms-kannel/serve-db.example-6432-pins.journal' },
    { env: {}, want: undefined },
  ])('is $want with $env', ({ env, want }) => {
    expect(defaultJournalPath(env, url)).toBe(want)
  })

  it('is one per database, never named with the password', () => {
    const env = { STATE_DIRECTORY: '/var/lib/sms-kannel' }
    expect(defaultJournalPath(env, 'postgres://sms:pw@db.example/pins')).not.toBe(defaultJournalPath(env, 'postgres://sms:pw@db.example/staging'))
    expect(defaultJournalPath(env, 'postgres://sms:secret-pw@db.example/pins')).not.toContain('secret-pw')
  })
})

describe('the journal on disk', () => {
  it('holds what was appended and synced, for the next start to store', async () => {
    const store = storeIn()
    const journal = openCallbackJournal(store)
    journal.append([record(1), record(2)])
    journal.append([record(3)])
    await journal.sync()
    journal.close()
    expect(readJournal(store, now)).toEqual({ records: [record(1), record(2), record(3)], damaged: 0, keptAs: [] })

    // A second run appends to a new segment; reading returns both, oldest first.
    const again = openCallbackJournal(store)
    again.append([record(4)])
    await again.sync()
    again.close()
    expect(segmentsOf(store)).toHaveLength(2)
    expect(readJournal(store, now).records.map((r) => r.target)).toEqual([1, 2, 3, 4].map((n) => record(n).target))

    discardJournal(store)
    expect(segmentsOf(store)).toEqual([])
  })

  it('keeps a damaged segment aside for a person instead of deleting it', () => {
    const store = storeIn()
    writeFileSync(`${store}.00000001`, `${encodeRecords([record(1)])}not json\n`)
    const recovery = readJournal(store, now)
    expect(recovery.records).toEqual([record(1)])
    expect(recovery.damaged).toBe(1)
    expect(recovery.keptAs).toEqual([`${store}.00000001.damaged-${now().getTime()}`])
    expect(existsSync(recovery.keptAs[0]!)).toBe(true)
    discardJournal(store)
    expect(existsSync(recovery.keptAs[0]!)).toBe(true)
  })

  it('starts a new segment when one is large, and deletes the old only once the store is on disk', async () => {
    const store = storeIn()
    const journal = openCallbackJournal(store)
    const big = { receivedAt: record(0).receivedAt, target: `/smsKannelfeedback?dlr=1&pad=${'x'.repeat(64 * 1024)}` }
    for (let written = 0; written <= SEGMENT_LIMIT_BYTES; written += big.target.length) journal.append([big])
    await journal.sync()
    let storeSynced!: () => void
    journal.rotateIfLarge(() => new Promise<void>((resolve) => (storeSynced = resolve)))
    expect(segmentsOf(store)).toHaveLength(2)
    journal.append([record(1)])
    await journal.sync()
    storeSynced()
    await new Promise((resolve) => setImmediate(resolve))
    expect(segmentsOf(store)).toHaveLength(1)
    journal.close()
    expect(readJournal(store, now).records).toEqual([record(1)])
  })

  it('keeps the old segment when the store could not be synced: the next start re-reads it', async () => {
    const store = storeIn()
    const journal = openCallbackJournal(store)
    journal.append([{ receivedAt: record(0).receivedAt, target: `/x?${'y'.repeat(SEGMENT_LIMIT_BYTES)}` }])
    await journal.sync()
    journal.rotateIfLarge(() => Promise.reject(new Error('EIO')))
    await new Promise((resolve) => setImmediate(resolve))
    expect(segmentsOf(store)).toHaveLength(2)
    journal.close()
  })

  it('seals segments for a database\'s backlog: each is read and deleted on its own, an empty one is not sealed', async () => {
    const store = storeIn()
    const journal = openCallbackJournal(store)
    expect(journal.seal()).toBe(true)
    expect(segmentNumbers(store)).toEqual([1])
    journal.append([record(1), record(2)])
    await journal.sync()
    expect(journal.seal(true)).toBe(false)
    expect(journal.seal()).toBe(true)
    journal.append([record(3)])
    await journal.sync()
    expect(journal.seal()).toBe(true)
    journal.append([record(4)])
    expect([segmentNumbers(store), journal.currentSegment]).toEqual([[1, 2, 3], 3])
    expect(readSegment(store, 1, now).records).toEqual([record(1), record(2)])
    expect(readSegment(store, 2, now).records).toEqual([record(3)])
    discardSegment(store, 1)
    discardSegment(store, 1)
    expect(segmentNumbers(store)).toEqual([2, 3])
    journal.close()
    expect(readJournal(store, now).records).toEqual([record(3), record(4)])
  })

  it.skipIf(!canMount())('leaves no half line behind a write that failed on a full disk, so the next record is not swallowed', async () => {
    const disk = mountSmallFs(256)
    try {
      const store = join(disk.dir, 'events.db')
      const journal = openCallbackJournal(store)
      journal.append([record(1)])
      disk.fill(1024)
      expect(() => journal.append([{ receivedAt: record(0).receivedAt, target: `/x?${'y'.repeat(64 * 1024)}` }])).toThrow(/ENOSPC/)
      disk.grow(1024)
      journal.append([record(2)])
      await journal.sync()
      journal.close()
      expect(readJournal(store, now)).toEqual({ records: [record(1), record(2)], damaged: 0, keptAs: [] })
    } finally {
      disk.unmount()
    }
  })
})
